// Session transcripts: "C: ..." / "S: ..." lines, textbook style.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net/asio.hpp"

namespace net {

/// Global switch (--trace) and sink. Lines go to the "trace" logger (stdout by default).
class Trace {
public:
    static void enable(bool on);
    [[nodiscard]] static bool enabled();
};

/// One session's transcript. Every line carries the protocol, session id and peer:
///   `smtp #12 127.0.0.1:50312 C: MAIL FROM:<alice@crepes.fr>`
/// Multi-line text is split into one transcript line per line. Cheap when tracing is off.
class SessionTrace {
public:
    SessionTrace(std::string_view protocol, std::uint64_t session_id, std::string peer);
    [[nodiscard]] bool enabled() const { return Trace::enabled(); }
    void client(std::string_view text) const;  ///< "C: "
    void server(std::string_view text) const;  ///< "S: "
    void note(std::string_view text) const;    ///< "-- " (connect, close, timeout, TLS)

private:
    void emit(std::string_view tag, std::string_view text) const;
    std::string prefix_;
};

/// One-line decoded summary for a datagram exchange (DNS, UDP tracker):
///   `dns 127.0.0.1:40000 Q: A www.hamburger.edu -> NOERROR 1 answer`
void trace_datagram(std::string_view protocol, const udp::endpoint& peer, std::string_view summary);

/// One free-form transcript line (a resolver's iterated queries under the client's query).
void trace_line(std::string_view text);

/// Next session id (process-wide, starts at 1).
[[nodiscard]] std::uint64_t next_session_id();

}  // namespace net
