// BEP 15 UDP tracker protocol: packet parsing and reply writing. Pure: no sockets.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tracker/swarm.hpp"
#include "tracker/types.hpp"

namespace tracker::udp {

constexpr std::uint64_t kProtocolId = 0x41727101980ULL;
constexpr std::size_t kConnectSize = 16;
constexpr std::size_t kAnnounceSize = 98;  ///< BEP 41 options may follow; they are ignored
constexpr std::size_t kScrapeHeader = 16;
constexpr std::size_t kMaxScrapeHashes = 74;  ///< BEP 15: about 74 fit in a reply

enum class Action : std::uint32_t { connect = 0, announce = 1, scrape = 2, error = 3 };

/// What a datagram turned out to be.
enum class Kind {
    connect,
    announce,
    scrape,
    drop,   ///< not worth an answer: shorter than a header, or a connect without the protocol id
    error,  ///< answer with an error packet carrying `error` and the transaction id
};

struct AnnounceRequest {
    InfoHash info_hash{};
    PeerId peer_id{};
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    std::uint64_t uploaded = 0;
    Event event = Event::none;
    std::uint32_t ip = 0;  ///< 0 = use the sender's address
    std::uint32_t key = 0;
    std::int32_t num_want = -1;  ///< negative = tracker default
    std::uint16_t port = 0;
};

struct Packet {
    Kind kind = Kind::drop;
    std::uint64_t connection_id = 0;
    std::uint32_t transaction_id = 0;
    AnnounceRequest announce;      ///< kind == announce
    std::vector<InfoHash> scrape;  ///< kind == scrape (1..kMaxScrapeHashes)
    std::string_view error;        ///< kind == error
};

/// Parses one datagram. Wrong length for the action, an unknown action, an unknown event,
/// port 0 or too many scrape hashes give Kind::error with a message; a datagram too short
/// to carry a transaction id, or a connect without the magic, gives Kind::drop.
/// The connection id is not checked here (policy does that).
[[nodiscard]] Packet parse(std::span<const std::uint8_t> in);

/// Reply writers; each returns the bytes written, 0 if `out` is too small.
[[nodiscard]] std::size_t write_connect(std::span<std::uint8_t> out, std::uint32_t tid, std::uint64_t connection_id);
/// Peers of the requester's family: 6 bytes each for IPv4, 18 for IPv6 (as many as fit).
[[nodiscard]] std::size_t write_announce(std::span<std::uint8_t> out, std::uint32_t tid, std::uint32_t interval,
                                         const SwarmCounts& counts, std::span<const PeerOut> peers, bool v6);
[[nodiscard]] std::size_t write_scrape(std::span<std::uint8_t> out, std::uint32_t tid,
                                       std::span<const SwarmCounts> counts);
[[nodiscard]] std::size_t write_error(std::span<std::uint8_t> out, std::uint32_t tid, std::string_view message);

}  // namespace tracker::udp
