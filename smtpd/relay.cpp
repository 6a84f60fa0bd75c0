#include "smtpd/relay.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "mail/delivery.hpp"
#include "mail/rfc5322.hpp"
#include "net/blocking.hpp"
#include "smtpd/dsn.hpp"
#include "smtpd/report.hpp"

namespace smtpd {

namespace {

constexpr std::size_t kMaxParallel = 16;
constexpr std::size_t kMaxEnvelope = 1 << 20;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// Writes `text` to `path` durably through a temporary file and rename.
void write_state(const std::string& dir, const std::string& name, const std::string& text) {
    const std::string tmp = dir + "/." + name + ".tmp", path = dir + "/" + name;
    mail::File f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!f) return;
    if (::write(f.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) || ::fsync(f.get()) != 0) {
        ::unlink(tmp.c_str());
        return;
    }
    if (::rename(tmp.c_str(), path.c_str()) == 0) (void)mail::fsync_dir(dir);
}

}  // namespace

Relay::Relay(net::Runtime& rt, Shared& shared)
    : rt_(rt), s_(shared), ctx_(rt.context(0)), resolver_(dns::ResolverOptions{.server = shared.settings.resolver}) {
    client_.helo = shared.settings.hostname;
    client_.timeout = std::chrono::milliseconds(shared.cfg.relay_timeout_ms);
    client_tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    // Opportunistic TLS (RFC 7435, as Postfix's smtp_tls_security_level = may): encrypt when
    // offered, without authenticating the server.
    client_tls_->set_verify_mode(asio::ssl::verify_none);
    client_.tls = client_tls_.get();
}

Relay::~Relay() = default;

void Relay::start() {
    const std::string& q = s_.cfg.queue_dir;
    if (auto ec = mail::Maildir(q).create()) throw app::ConfigError("queue " + q + ": " + ec.message());
    ::mkdir((q + "/state").c_str(), 0700);
    // The queue as left by the last run (also after SIGKILL): everything in new/ is due now.
    const std::string dir = q + "/new";
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* de = ::readdir(d)) {
            const std::string name = de->d_name;
            if (name.empty() || name[0] == '.') continue;
            Entry e;
            e.path = dir + "/" + name;
            std::size_t offset = 0;
            auto env = parse_envelope(read_prefix(e.path, kMaxEnvelope), offset);
            if (!env) {
                spdlog::warn("queue: {} is not a queue file, left alone", e.path);
                continue;
            }
            e.envelope = std::move(*env);
            e.offset = offset;
            e.state = parse_state(read_prefix(q + "/state/" + name, kMaxEnvelope));
            entries_.emplace(name, std::move(e));
        }
        ::closedir(d);
    }
    spdlog::info("queue: {} message(s) waiting in {}", entries_.size(), q);
    rt_.on_stop([this] { asio::post(ctx_, [this] { stop(); }); });
    asio::co_spawn(ctx_, run(), [](std::exception_ptr e) {
        if (e) spdlog::error("queue runner stopped by an exception");
    });
}

void Relay::stop() {
    stopping_ = true;
    resolver_.stop();
    wake();
    for (auto* s : live_) {
        net::error_code ec;
        s->close(ec);
    }
}

void Relay::enqueue(std::string path) {
    asio::post(
        ctx_, [this, path = std::move(path)]() mutable { asio::co_spawn(ctx_, add(std::move(path)), asio::detached); });
}

net::task<void> Relay::add(std::string path) {
    auto job = [p = path] { return read_prefix(p, kMaxEnvelope); };
    const std::string head = co_await net::run_blocking(std::move(job));
    Entry e;
    std::size_t offset = 0;
    auto env = parse_envelope(head, offset);
    if (!env) {
        spdlog::error("queue: cannot read back {}", path);
        co_return;
    }
    e.path = path;
    e.envelope = std::move(*env);
    e.offset = offset;
    e.next = net::Clock::now();
    entries_.emplace(base_name(path), std::move(e));
    wake();
}

std::chrono::milliseconds Relay::backoff(unsigned attempts) const {
    std::uint64_t d = s_.cfg.retry_min_ms;
    for (unsigned i = 1; i < attempts && d < s_.cfg.retry_max_ms; ++i) d *= 2;
    return std::chrono::milliseconds(std::min<std::uint64_t>(d, s_.cfg.retry_max_ms));
}

void Relay::wake() {
    if (wake_ != nullptr) wake_->cancel();
}

net::task<void> Relay::run() {
    asio::steady_timer timer(ctx_);
    wake_ = &timer;
    while (!stopping_) {
        const auto now = net::Clock::now();
        auto earliest = now + std::chrono::hours(1);
        for (auto& [name, e] : entries_) {
            if (e.busy) continue;
            if (e.next <= now && running_ < kMaxParallel) {
                e.busy = true;
                ++running_;
                asio::co_spawn(ctx_, attempt(name), asio::detached);
            } else if (e.next < earliest) {
                earliest = std::max(e.next, now + std::chrono::milliseconds(10));
            }
        }
        timer.expires_at(earliest);
        (void)co_await timer.async_wait(tuple_awaitable);
    }
    wake_ = nullptr;
}

bool Relay::is_local(const std::string& address) const {
    const std::string d = domain_of(address);
    return d.empty() ||
           std::find(s_.settings.domains.begin(), s_.settings.domains.end(), d) != s_.settings.domains.end();
}

net::task<void> Relay::attempt(std::string name) {
    Entry& e = entries_.at(name);
    Outcome out;
    co_await deliver_local(e, out);
    std::vector<std::string> domains;
    for (const auto& r : e.envelope.rcpts) {
        if (e.state.is_finished(r.address) || is_local(r.address)) continue;
        const std::string d = domain_of(r.address);
        if (std::find(domains.begin(), domains.end(), d) == domains.end()) domains.push_back(d);
    }
    for (const auto& d : domains) {
        if (stopping_) break;
        co_await deliver_remote(e, d, out);
    }
    ++e.state.attempts;
    // RFC 5321 4.5.4.1: give up after the configured time and tell the sender.
    if (!stopping_ && std::time(nullptr) - e.envelope.arrival >= static_cast<std::time_t>(s_.cfg.queue_lifetime_s)) {
        for (const auto& r : e.envelope.rcpts) {
            if (e.state.is_finished(r.address)) continue;
            out.failed.push_back({r.address, r.orcpt, "4.4.7", "", "delivery time expired"});
            e.state.finished.push_back(r.address);
        }
    }
    std::vector<ReportedRecipient> delayed;
    if (!stopping_) check_delay(e, delayed);
    co_await report(e, Action::failed, std::move(out.failed));
    co_await report(e, Action::delivered, std::move(out.delivered));
    co_await report(e, Action::relayed, std::move(out.relayed));
    co_await report(e, Action::delayed, std::move(delayed));
    bool done = true;
    for (const auto& r : e.envelope.rcpts) done = done && e.state.is_finished(r.address);
    const std::string q = s_.cfg.queue_dir;
    if (done) {
        auto job = [path = e.path, state = q + "/state/" + name] {
            ::unlink(state.c_str());
            ::unlink(path.c_str());
        };
        co_await net::run_blocking(std::move(job));
        spdlog::info("queue: {} done after {} attempt(s)", name, e.state.attempts);
        entries_.erase(name);
    } else {
        auto job = [dir = q + "/state", name, text = encode_state(e.state)] { write_state(dir, name, text); };
        co_await net::run_blocking(std::move(job));
        e.next = net::Clock::now() + backoff(e.state.attempts);
        // The delay report is due at its time, not at the next retry.
        if (s_.cfg.delay_warning_s > 0 && !e.state.warned) {
            const auto due = e.envelope.arrival + static_cast<std::time_t>(s_.cfg.delay_warning_s) - std::time(nullptr);
            e.next = std::min(e.next, net::Clock::now() + std::chrono::seconds(std::max<std::time_t>(due, 0)));
        }
        e.busy = false;
    }
    --running_;
    wake();
}

// RFC 3461 4.1 (NOTIFY=DELAY): once per message, when it is still queued `delay_warning_s`
// after its arrival; off by default, as Postfix's delay_warning_time.
void Relay::check_delay(Entry& e, std::vector<ReportedRecipient>& delayed) const {
    if (s_.cfg.delay_warning_s == 0 || e.state.warned ||
        std::time(nullptr) - e.envelope.arrival < static_cast<std::time_t>(s_.cfg.delay_warning_s))
        return;
    for (const auto& r : e.envelope.rcpts) {
        if (e.state.is_finished(r.address)) continue;
        auto it = e.deferred.find(r.address);
        delayed.push_back(it != e.deferred.end()
                              ? it->second
                              : ReportedRecipient{r.address, r.orcpt, "4.4.1", "", "delivery temporarily suspended"});
    }
    e.state.warned = !delayed.empty();
}

net::task<void> Relay::deliver_local(Entry& e, Outcome& out) {
    std::vector<mail::Target> targets;
    std::vector<std::string> addresses, orcpts;
    for (const auto& r : e.envelope.rcpts) {
        if (e.state.is_finished(r.address) || !is_local(r.address)) continue;
        std::string name(local_of(r.address));
        auto user = s_.users->find(name);
        if (!user) {
            for (char& c : name)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
            user = s_.users->find(name);
        }
        auto md = user ? mail::user_maildir(s_.cfg.maildir_root, user->name) : std::nullopt;
        if (!md) {
            out.failed.push_back({r.address, r.orcpt, "5.1.1", "", "550 5.1.1 User unknown"});
            e.state.finished.push_back(r.address);
            continue;
        }
        targets.push_back({*md, mail::return_path_field(e.envelope.sender) + mail::delivered_to_field(r.address)});
        addresses.push_back(r.address);
        orcpts.push_back(r.orcpt);
    }
    if (targets.empty()) co_return;
    auto job = [src = mail::Source{.path = e.path, .offset = e.offset}, targets] {
        return mail::deliver_copies(src, targets);
    };
    const auto results = co_await net::run_blocking(std::move(job));
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i].error) {
            spdlog::warn("queue: local delivery to {} failed: {}", addresses[i], results[i].error.message());
            continue;
        }
        e.state.finished.push_back(addresses[i]);
        out.delivered.push_back({addresses[i], orcpts[i], "2.0.0", "", ""});
    }
}

net::task<void> Relay::deliver_remote(Entry& e, const std::string& domain, Outcome& out) {
    std::vector<QueuedRcpt> rcpts;
    for (const auto& r : e.envelope.rcpts)
        if (!e.state.is_finished(r.address) && domain_of(r.address) == domain) rcpts.push_back(r);
    auto finish_all = [&](const std::string& status, const std::string& mta, const std::string& why) {
        for (const auto& r : rcpts) {
            out.failed.push_back({r.address, r.orcpt, status, mta, why});
            e.state.finished.push_back(r.address);
        }
    };
    auto defer_all = [&](const std::string& status, const std::string& mta, const std::string& why) {
        for (const auto& r : rcpts) e.deferred[r.address] = {r.address, r.orcpt, status, mta, why};
    };
    dns::NameError err;
    auto name = dns::Name::from_text(domain + ".", nullptr, err);
    if (!name) {
        finish_all("5.1.2", "", "bad destination domain " + domain);
        co_return;
    }
    const auto hosts = co_await dns::mail_hosts(resolver_, *name);
    if (hosts.null_mx) {
        finish_all("5.1.10", "", "domain " + domain + " accepts no mail (null MX)");  // RFC 7505 3
        co_return;
    }
    if (hosts.status == dns::Status::nxdomain) {
        finish_all("5.1.2", "", "Host or domain name not found: " + domain);
        co_return;
    }
    if (hosts.hosts.empty()) {
        spdlog::info("queue: {}: no mail host for {} yet ({})", base_name(e.path), domain,
                     dns::to_string(hosts.status));
        defer_all("4.4.3", "", "no mail host for " + domain + " yet");
        co_return;
    }
    for (const auto& h : hosts.hosts) {
        for (const auto& a : h.addresses) {
            if (stopping_) co_return;
            auto res =
                co_await send_message(client_, net::tcp::endpoint(a, static_cast<std::uint16_t>(s_.cfg.relay_port)),
                                      e.envelope, rcpts, e.path, e.offset, live_);
            if (res.failed) {
                const std::string why = res.error.empty() ? res.session.text : res.error;
                spdlog::info("queue: {} to {} [{}]: {}", base_name(e.path), h.name, a.to_string(), why);
                // A 5xx to MAIL or DATA fails every recipient; anything else tries the next host.
                if (res.session.permanent()) {
                    finish_all(status_of(res.session.text), h.name, res.session.text);
                    co_return;
                }
                defer_all(res.session.code != 0 ? status_of(res.session.text) : "4.4.1",
                          res.session.code != 0 ? h.name : "", why);
                continue;
            }
            for (std::size_t i = 0; i < rcpts.size(); ++i) {
                const Reply& r = res.rcpt[i];
                if (r.positive()) {
                    spdlog::info("queue: {} delivered to <{}> via {} [{}]: {}", base_name(e.path), rcpts[i].address,
                                 h.name, a.to_string(), r.text);
                    e.state.finished.push_back(rcpts[i].address);
                    // RFC 3461 5.2.2.1: a next hop without DSN cannot report success; we do.
                    if (!res.dsn)
                        out.relayed.push_back({rcpts[i].address, rcpts[i].orcpt, status_of(r.text), h.name, r.text});
                } else if (r.permanent()) {
                    out.failed.push_back({rcpts[i].address, rcpts[i].orcpt, status_of(r.text), h.name, r.text});
                    e.state.finished.push_back(rcpts[i].address);
                } else if (r.code != 0) {
                    e.deferred[rcpts[i].address] = {rcpts[i].address, rcpts[i].orcpt, status_of(r.text), h.name,
                                                    r.text};
                }
            }
            co_return;  // a server answered: the rest waits for the next attempt
        }
    }
}

net::task<void> Relay::report(const Entry& e, Action action, std::vector<ReportedRecipient> rcpts) {
    if (rcpts.empty()) co_return;
    // RFC 5321 6.1 and RFC 3461 4.1: never a report about a report; only what NOTIFY asked.
    ReportJob j{.queue_dir = s_.cfg.queue_dir,
                .reporting_mta = s_.settings.hostname,
                .about = e.envelope,
                .action = action,
                .recipients = std::move(rcpts),
                .retry_until = e.envelope.arrival + static_cast<std::time_t>(s_.cfg.queue_lifetime_s),
                .original_path = e.path,
                .offset = e.offset};
    auto job = [j = std::move(j)] { return queue_report(j); };
    auto path = co_await net::run_blocking(std::move(job));
    if (path.error) {
        spdlog::error("queue: cannot queue a report for {}: {}", base_name(e.path), path.error.message());
        co_return;
    }
    if (path.value.empty()) co_return;
    spdlog::info("queue: {} report for {} queued as {}", to_string(action), base_name(e.path), base_name(path.value));
    co_await add(path.value);
}

}  // namespace smtpd
