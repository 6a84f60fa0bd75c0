// The bencode decoder: nesting depth, huge lengths, non-canonical integers.
#include <string_view>

#include "tracker/bencode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)tracker::bencode::decode(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
