// The BEP 15 datagram decoder.
#include <span>

#include "tracker/udp_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)tracker::udp::parse(std::span<const std::uint8_t>(data, size));
    return 0;
}
