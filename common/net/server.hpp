// The runtime every daemon runs on: worker threads, TCP and UDP services, signals, drain.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "net/endpoint.hpp"
#include "net/stream.hpp"

namespace net {

/// Limits on connections a TCP service accepts.
struct ConnectionLimits {
    std::size_t max_connections = 10000;  ///< across all threads; 0 = unlimited
    std::size_t max_per_address = 256;    ///< per client IP address; 0 = unlimited
};

/// Runs one coroutine per accepted connection. Expected failures (EOF, reset,
/// timeout) should be handled as values; an escaping exception is logged with the peer.
using SessionHandler = std::function<task<void>(Stream&)>;

/// What a resumable session asks of the runtime when a turn ends.
enum class Step : std::uint8_t {
    park,    ///< wait, holding no coroutine, until the connection is readable; then a new turn
    done,    ///< the session is over; the runtime closes the connection
    resume,  ///< (from poll only) go on in resume()'s coroutine
};

/// A session that keeps its state in an object rather than in a suspended coroutine, so that an
/// idle connection costs its socket and this object (nginx's idle keep-alive, for every
/// protocol). A turn begins once the connection is accepted and, after each `park`, when the
/// connection is readable, its deadline passed (reads then report a timeout) or a drain closed
/// it (reads then report closed). Each turn first calls `poll`, which serves what it can without
/// suspending; when it returns `resume`, the runtime runs `resume` as a coroutine. A session
/// parks only with nothing buffered; an exception ends it (logged with the peer).
class Resumable {
public:
    virtual ~Resumable() = default;
    /// The turn without a coroutine (the common request on a keep-alive connection: read it,
    /// answer it, write the answer). Returns `park` or `done` when the turn is over, `resume`
    /// to go on in `resume` with whatever it has read. It may return `park` only right after a
    /// read of this turn that emptied the socket (Stream::try_read: nothing left queued and no
    /// FIN waiting, or it would block), so that bytes or a FIN arriving later are a new
    /// readiness event: the runtime's wait then costs no system call. The default leaves
    /// every turn to `resume`.
    /// `stream` is the connection's, the one the factory was given (passed rather than kept,
    /// so that a session need not spend a word of its idle size on it).
    [[nodiscard]] virtual Step poll(Stream& /*stream*/) { return Step::resume; }
    /// The turn as a coroutine: returns `park` or `done`.
    [[nodiscard]] virtual task<Step> resume(Stream& stream) = 0;
};

/// Makes the session object of a newly accepted connection; `stream` outlives the object.
using ResumableFactory = std::function<std::unique_ptr<Resumable>(Stream& stream)>;

struct TcpServiceConfig {
    std::string name{};              ///< for logs ("http", "dns-tcp")
    std::vector<HostPort> listen{};  ///< port 0 = ephemeral
    ConnectionLimits limits{};
    /// Written (best effort) to a connection refused by a limit before closing,
    /// e.g. "421 Too many connections\r\n". Empty: just close.
    std::string busy_reply{};
    int backlog = 4096;
};

/// A datagram service: the handler answers one datagram with zero or one datagram.
/// It runs on any worker thread, so shared state must be safe to share.
/// Returns the reply size written into `reply` (0 = no reply).
using DatagramHandler = std::function<std::size_t(std::span<const std::uint8_t> query, const udp::endpoint& from,
                                                  std::span<std::uint8_t> reply)>;

/// The same with the socket the datagram came in on, for handlers that cannot always answer at
/// once (a recursive resolver): they return 0 and later send their reply with `sock` (from its
/// io_context's thread only, e.g. from a coroutine spawned on `sock.get_executor()`), so the
/// reply leaves from the address and port the client asked. The socket outlives every coroutine
/// of its io_context; after a stop it is closed and sends fail with an error value.
using DeferringDatagramHandler = std::function<std::size_t(
    std::span<const std::uint8_t> query, const udp::endpoint& from, std::span<std::uint8_t> reply, udp::socket& sock)>;

struct UdpServiceConfig {
    std::string name{};
    std::vector<HostPort> listen{};
    std::size_t max_datagram = 4096;  ///< larger datagrams are dropped
    std::size_t max_reply = 8192;     ///< size of the `reply` span given to the handler
    /// How datagrams reach the workers. `per_worker`: one SO_REUSEPORT socket each, and the
    /// kernel hashes each flow (source address and port) to one of them. `shared`: one socket
    /// that every worker drains, so that a single busy flow is served by all cores too.
    enum class Spread : std::uint8_t { per_worker, shared } spread = Spread::per_worker;
};

struct RuntimeOptions {
    unsigned threads = 0;                           ///< 0 = one per core
    std::chrono::milliseconds drain_timeout{5000};  ///< graceful shutdown grace period
};

/// Shared-nothing workers: one io_context per thread, each with its own SO_REUSEPORT
/// listener per endpoint, so the kernel spreads connections and datagrams across cores.
/// Services are bound at once (as root, before dropping privileges); `run` serves them.
class Runtime {
public:
    explicit Runtime(RuntimeOptions opts);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    /// Binds now; throws std::system_error (with the address in what()) on failure.
    /// Returns the bound endpoints (port 0 resolved).
    std::vector<tcp::endpoint> add_tcp(TcpServiceConfig cfg, SessionHandler handler);
    /// The same for sessions that park while idle (see Resumable).
    std::vector<tcp::endpoint> add_tcp(TcpServiceConfig cfg, ResumableFactory factory);
    std::vector<udp::endpoint> add_udp(UdpServiceConfig cfg, DatagramHandler handler);
    /// The same for a handler that may answer later (see DeferringDatagramHandler).
    std::vector<udp::endpoint> add_udp(UdpServiceConfig cfg, DeferringDatagramHandler handler);

    /// Called on the signal thread when SIGHUP arrives.
    void on_reload(std::function<void()> fn);
    /// Called once when a graceful stop begins (SIGTERM/SIGINT or stop()).
    void on_stop(std::function<void()> fn);

    /// Serves until stopped; installs SIGTERM/SIGINT (graceful stop) and SIGHUP (reload).
    /// Returns after every worker has drained.
    void run();
    /// Graceful stop from any thread: stop accepting, close idle sessions, let busy ones
    /// finish for up to drain_timeout, then close the rest.
    void stop();

    [[nodiscard]] unsigned threads() const;
    /// Live TCP sessions across all services.
    [[nodiscard]] std::size_t connections() const;
    /// The io_context of worker `i` (for daemon timers that belong to a thread).
    [[nodiscard]] asio::io_context& context(unsigned i);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace net
