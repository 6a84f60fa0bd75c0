#include "app/daemon.hpp"

#include <CLI/CLI.hpp>

#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "net/trace.hpp"

namespace app {

Daemon::Daemon(std::string name, std::string description)
    : name_(std::move(name)), cli_(std::make_unique<CLI::App>(std::move(description), name_)), options_(*cli_) {
    cli_->set_version_flag("--version", name_ + " 0.1.0");
    cli_->add_option("--config", common_.config_file, "TOML configuration file (flags override it)")
        ->check(CLI::ExistingFile);
    options_.add("--listen", "listen", common_.listen, "listen address HOST:PORT (repeatable; port 0 = ephemeral)");
    options_.add("--threads", "threads", common_.threads, "worker threads (0 = one per core)");
    options_.add("--log-level", "log_level", common_.log_level, "trace, debug, info, warn, error, critical, off");
    options_.add("--trace", "trace", common_.trace, "log each session's exchange as C:/S: lines");
    options_.add("--user", "user", common_.user, "drop privileges to this user after binding");
    options_.add("--drain-ms", "drain_ms", common_.drain_ms, "graceful shutdown grace period in milliseconds");
    options_.add("--tls-cert", "tls_cert", common_.tls_cert, "TLS certificate chain (PEM) for STARTTLS / TLS");
    options_.add("--tls-key", "tls_key", common_.tls_key, "TLS private key (PEM) matching --tls-cert");
    cli_->add_option("--ready-fd", common_.ready_fd, "write the readiness line to this file descriptor");
}

Daemon::~Daemon() = default;

void Daemon::set_default_listen(std::vector<std::string> listen) { default_listen_ = std::move(listen); }

std::string Daemon::config_path(const std::string& path, const std::string& flag) const {
    const auto* opt = flag.empty() ? nullptr : cli_->get_option_no_throw(flag);
    if (opt != nullptr && opt->count() > 0) return path;
    return path_in_file(common_.config_file, path);
}

std::vector<net::HostPort> Daemon::listen() const {
    const auto& src = common_.listen.empty() ? default_listen_ : common_.listen;
    std::vector<net::HostPort> out;
    for (const auto& l : src) {
        auto hp = net::parse_host_port(l);
        if (!hp) throw ConfigError("--listen " + l + ": expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
        out.push_back(*hp);
    }
    return out;
}

void Daemon::announce(const std::string& proto, const std::vector<net::tcp::endpoint>& eps) {
    for (const auto& ep : eps) ready_parts_.push_back(proto + "=" + net::to_string(ep));
}

void Daemon::announce(const std::string& proto, const std::vector<net::udp::endpoint>& eps) {
    for (const auto& ep : eps) ready_parts_.push_back(proto + "=" + net::to_string(ep));
}

namespace {
void setup_logging(const std::string& name) {
    // Diagnostics on stderr; transcripts (the "trace" logger) on stdout.
    auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>(name, err);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n[%P] %l: %v");
    spdlog::set_default_logger(logger);
    auto out = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    auto trace = std::make_shared<spdlog::logger>("trace", out);
    trace->set_pattern("%Y-%m-%dT%H:%M:%S.%e %v");
    trace->flush_on(spdlog::level::info);
    spdlog::drop("trace");
    spdlog::register_logger(trace);
}

// Every connection is a descriptor: lift the soft limit to the hard one (as nginx's
// worker_rlimit_nofile does), so the connection limits, not EMFILE, bound a daemon.
void raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) spdlog::warn("cannot raise RLIMIT_NOFILE: {}", std::strerror(errno));
    }
}
}  // namespace

int Daemon::main(int argc, char** argv, const Setup& setup) {
    try {
        cli_->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli_->exit(e) == 0 ? exit_ok : exit_usage;
    }
    setup_logging(name_);
    try {
        if (!common_.config_file.empty()) {
            config_ = load_toml(common_.config_file);
            options_.apply(config_, common_.config_file);
            auto unknown = options_.unknown_keys(config_);
            if (!unknown.empty()) throw ConfigError(common_.config_file + ": unknown key `" + unknown.front() + "`");
        }
        auto level = spdlog::level::from_str(common_.log_level);
        if (level == spdlog::level::off && common_.log_level != "off")
            throw ConfigError("log level `" + common_.log_level + "`: expected trace, debug, info, warn, error");
        spdlog::set_level(level);
        net::Trace::enable(common_.trace);
        raise_fd_limit();
        load_tls();

        net::Runtime rt({.threads = common_.threads, .drain_timeout = std::chrono::milliseconds(common_.drain_ms)});
        setup(*this, rt);
        if (!common_.user.empty()) drop_privileges(common_.user);

        std::string ready = "READY " + name_;
        for (const auto& p : ready_parts_) ready += " " + p;
        ready += " pid=" + std::to_string(::getpid()) + "\n";
        std::fputs(ready.c_str(), stderr);
        std::fflush(stderr);
        if (common_.ready_fd >= 0) {
            ssize_t ignored = ::write(common_.ready_fd, ready.data(), ready.size());
            (void)ignored;
            ::close(common_.ready_fd);
        }
        rt.on_reload([this] { reload(); });
        rt.run();
        spdlog::info("stopped");
        return exit_ok;
    } catch (const ConfigError& e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return exit_failure;
    }
}

void Daemon::load_tls() {
    if (common_.tls_cert.empty() && common_.tls_key.empty()) return;
    if (common_.tls_cert.empty() || common_.tls_key.empty())
        throw ConfigError("--tls-cert and --tls-key go together: give both or neither");
    try {
        tls_.load(config_path(common_.tls_cert, "--tls-cert"), config_path(common_.tls_key, "--tls-key"));
    } catch (const std::runtime_error& e) {
        throw ConfigError(std::string("TLS: ") + e.what());
    }
}

void Daemon::reload() {
    // A renewed certificate is taken on SIGHUP; a bad one keeps the current context.
    try {
        tls_.reload();
    } catch (const std::exception& e) {
        spdlog::error("TLS reload failed, keeping the current certificate: {}", e.what());
    }
    toml::table fresh;
    if (!common_.config_file.empty()) fresh = load_toml(common_.config_file);  // ConfigError keeps the old
    if (reload_) reload_(fresh);
    config_ = std::move(fresh);
}

void drop_privileges(const std::string& user) {
    errno = 0;
    struct passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw std::runtime_error("--user " + user + ": no such user");
    if (::geteuid() != 0) {
        if (::geteuid() == pw->pw_uid) return;
        throw std::runtime_error("--user " + user + ": only root can change user");
    }
    if (::setgroups(0, nullptr) != 0 || ::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0)
        throw std::runtime_error("--user " + user + ": " + std::strerror(errno));
    if (::setuid(0) == 0) throw std::runtime_error("--user " + user + ": could regain root");
    spdlog::info("running as {} (uid {})", user, pw->pw_uid);
}

}  // namespace app
