// The DNS wire decoder: compression loops, forward pointers, truncated sections.
#include <span>

#include "dns/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    dns::Message m;
    (void)dns::parse_message(std::span<const std::uint8_t>(data, size), m);
    return 0;
}
