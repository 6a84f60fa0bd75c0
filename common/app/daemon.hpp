// The shared daemon main(): flags, TOML config, logging, privilege drop, readiness, reload.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "app/config.hpp"
#include "net/server.hpp"
#include "net/tls.hpp"

namespace app {

/// Exit codes, the same for every daemon.
enum ExitCode : int {
    exit_ok = 0,
    exit_failure = 1,  ///< runtime failure (bind, I/O, unexpected error)
    exit_usage = 2,    ///< bad flags or bad configuration file
};

/// Flags every daemon has.
struct CommonOptions {
    std::string config_file;          ///< --config FILE
    std::vector<std::string> listen;  ///< --listen HOST:PORT (repeatable), key "listen"
    unsigned threads = 0;             ///< --threads N (0 = one per core), key "threads"
    std::string log_level = "info";   ///< --log-level, key "log_level"
    bool trace = false;               ///< --trace, key "trace"
    std::string user;                 ///< --user NAME: drop privileges after binding, key "user"
    int ready_fd = -1;                ///< --ready-fd N: write the readiness line there, then close it
    unsigned drain_ms = 5000;         ///< --drain-ms, key "drain_ms"
    std::string tls_cert;             ///< --tls-cert FILE (PEM chain), key "tls_cert"
    std::string tls_key;              ///< --tls-key FILE (PEM), key "tls_key"
};

/// A daemon's lifecycle around a net::Runtime:
///   1. the daemon declares its options (`options()` binds a flag and a TOML key at once),
///   2. `main()` parses flags, loads the TOML file (flags win), sets up logging,
///   3. calls `setup` which binds services on the runtime (still as root),
///   4. drops privileges (--user), prints the readiness line, serves until SIGTERM/SIGINT,
///   5. on SIGHUP re-reads the file and calls the reload hook.
///
/// Readiness line (stderr and --ready-fd), one line, space separated:
///   `READY <daemon> tcp=127.0.0.1:8080 udp=127.0.0.1:5353 pid=1234`
class Daemon {
public:
    Daemon(std::string name, std::string description);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    [[nodiscard]] const std::string& name() const { return name_; }
    /// The command line (include <CLI/CLI.hpp> to use it).
    [[nodiscard]] CLI::App& cli() { return *cli_; }
    [[nodiscard]] Options& options() { return options_; }
    [[nodiscard]] const CommonOptions& common() const { return common_; }
    /// Default listen addresses when neither --listen nor the file's `listen` is given.
    void set_default_listen(std::vector<std::string> listen);
    /// The loaded config file (empty table without --config), for structured sections.
    [[nodiscard]] const toml::table& config() const { return config_; }
    /// A path option as the daemon should open it: relative to the working directory when
    /// `flag` was given on the command line (or there is no config file), else relative to the
    /// config file's directory (see path_in_file).
    [[nodiscard]] std::string config_path(const std::string& path, const std::string& flag) const;
    /// The TLS context from --tls-cert/--tls-key, loaded before setup and re-read on SIGHUP;
    /// `enabled()` is false when neither is given.
    [[nodiscard]] net::TlsContext& tls() { return tls_; }
    /// Parsed --listen values. Throws ConfigError on a malformed one.
    [[nodiscard]] std::vector<net::HostPort> listen() const;

    using Setup = std::function<void(Daemon&, net::Runtime&)>;
    /// Runs the daemon; returns the process exit code. `setup` may throw ConfigError
    /// (exit 2) or std::exception (exit 1).
    int main(int argc, char** argv, const Setup& setup);

    /// SIGHUP: called on the signal thread with the freshly re-read config (the flags still win).
    /// Throwing ConfigError keeps the old configuration (logged).
    void on_reload(std::function<void(const toml::table&)> fn) { reload_ = std::move(fn); }

    /// Records endpoints for the readiness line (setup calls this for what it binds).
    void announce(const std::string& proto, const std::vector<net::tcp::endpoint>& eps);
    void announce(const std::string& proto, const std::vector<net::udp::endpoint>& eps);

private:
    void reload();
    void load_tls();
    std::string name_;
    std::unique_ptr<CLI::App> cli_;
    Options options_;
    CommonOptions common_;
    std::vector<std::string> default_listen_;
    toml::table config_;
    std::vector<std::string> ready_parts_;
    std::function<void(const toml::table&)> reload_;
    net::TlsContext tls_;
};

/// Drops root to `user` (and its primary group, supplementary groups cleared).
/// Throws std::runtime_error if the user is unknown or a call fails.
void drop_privileges(const std::string& user);

}  // namespace app
