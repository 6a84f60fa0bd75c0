// The relay queue runner: the queue directory (a Maildir: tmp/ while written, new/ = queued,
// state/ = attempts and finished recipients), delivery of each message's recipients (local
// ones into their Maildirs, remote ones by MX through the SMTP client), retries with
// exponential backoff, bounces (RFC 3464) on a permanent failure or at the give-up time, and
// the other reports of RFC 3461 (delayed once per message, delivered, relayed).
// Runs on the runtime's first worker thread; survives restarts and SIGKILL (a message is in
// new/ before its 250, and leaves only after every recipient is finished).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "net/server.hpp"
#include "smtpd/client.hpp"
#include "smtpd/dsn.hpp"
#include "smtpd/envelope.hpp"
#include "smtpd/session.hpp"

namespace smtpd {

class Relay {
public:
    Relay(net::Runtime& rt, Shared& shared);
    ~Relay();
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    /// Loads the queue and starts the runner (before the runtime runs). Throws
    /// app::ConfigError when the queue directory cannot be made.
    void start();
    /// A message was committed to the queue at `path` (any thread).
    void enqueue(std::string path);

private:
    struct Entry {
        std::string path{};
        Envelope envelope{};
        std::uint64_t offset = 0;
        QueueState state{};
        net::Clock::time_point next{};
        bool busy = false;
        std::map<std::string, ReportedRecipient> deferred{};  // the last temporary failure per recipient
    };
    /// What one attempt found out, per report kind.
    struct Outcome {
        std::vector<ReportedRecipient> failed{};
        std::vector<ReportedRecipient> delivered{};
        std::vector<ReportedRecipient> relayed{};
    };

    net::task<void> run();
    net::task<void> attempt(std::string name);
    net::task<void> add(std::string path);
    net::task<void> deliver_local(Entry& e, Outcome& out);
    net::task<void> deliver_remote(Entry& e, const std::string& domain, Outcome& out);
    net::task<void> report(const Entry& e, Action action, std::vector<ReportedRecipient> rcpts);
    void check_delay(Entry& e, std::vector<ReportedRecipient>& delayed) const;
    [[nodiscard]] bool is_local(const std::string& address) const;
    [[nodiscard]] std::chrono::milliseconds backoff(unsigned attempts) const;
    void stop();
    void wake();

    net::Runtime& rt_;
    Shared& s_;
    asio::io_context& ctx_;
    // The runner's timer lives in run()'s frame, which dies with the io_context (a member
    // would outlive the io_context's timer service).
    asio::steady_timer* wake_ = nullptr;
    dns::Resolver resolver_;
    ClientOptions client_;
    std::shared_ptr<asio::ssl::context> client_tls_;
    std::map<std::string, Entry> entries_;  // by file name
    LiveSockets live_;
    std::size_t running_ = 0;
    bool stopping_ = false;
};

}  // namespace smtpd
