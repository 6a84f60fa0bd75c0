// One FTP control connection (RFC 959) on the line driver: the command table, login, the
// session's jail, and the transfers that run beside the command loop on data connections.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/authenticator.hpp"
#include "fs/file_handle.hpp"
#include "ftpd/config.hpp"
#include "ftpd/protocol.hpp"
#include "line/connection.hpp"
#include "net/tls.hpp"

namespace ftpd {

/// What every session of a server shares. Outlives the runtime.
struct Shared {
    const Config& cfg;
    std::shared_ptr<auth::Authenticator> users;
    net::TlsContext& tls;
    bool privileged = false;  ///< euid 0 when the session starts: active connections from port 20
};

struct Transfer;
struct DataSetup;

/// The protocol object the line driver runs (see line::Protocol).
class Session {
public:
    Session(line::Connection& c, const Shared& shared);
    Session(Session&&) noexcept;
    Session& operator=(Session&&) = delete;
    ~Session();

    net::task<void> greet();
    [[nodiscard]] std::span<const line::Command<Session>> commands() const;
    [[nodiscard]] std::uint32_t state() const { return state_; }
    void refuse(line::Refusal why, const line::CommandLine& cl);
    /// A transfer still running when the control connection ends is cancelled.
    net::task<void> on_end();

    // Access control (session.cpp).
    net::task<void> user(std::string_view arg);
    net::task<void> pass(std::string_view arg);
    net::task<void> acct(std::string_view arg);
    net::task<void> auth(std::string_view arg);
    net::task<void> pbsz(std::string_view arg);
    net::task<void> prot(std::string_view arg);
    net::task<void> quit(std::string_view arg);
    // Information and parameters (session.cpp).
    net::task<void> feat(std::string_view arg);
    net::task<void> opts(std::string_view arg);
    net::task<void> syst(std::string_view arg);
    net::task<void> help(std::string_view arg);
    net::task<void> noop(std::string_view arg);
    net::task<void> type(std::string_view arg);
    net::task<void> mode(std::string_view arg);
    net::task<void> stru(std::string_view arg);
    net::task<void> rest(std::string_view arg);
    net::task<void> stat(std::string_view arg);
    // The file system (files.cpp).
    net::task<void> pwd(std::string_view arg);
    net::task<void> cwd(std::string_view arg);
    net::task<void> cdup(std::string_view arg);
    net::task<void> mkd(std::string_view arg);
    net::task<void> rmd(std::string_view arg);
    net::task<void> dele(std::string_view arg);
    net::task<void> unlink_arg(std::string_view arg, int flags, int root_error, std::string_view done);
    net::task<void> rnfr(std::string_view arg);
    net::task<void> rnto(std::string_view arg);
    net::task<void> size(std::string_view arg);
    net::task<void> mdtm(std::string_view arg);
    net::task<void> mlst(std::string_view arg);
    // Data connections and transfers (transfer.cpp).
    net::task<void> port(std::string_view arg);
    net::task<void> eprt(std::string_view arg);
    net::task<void> pasv(std::string_view arg);
    net::task<void> epsv(std::string_view arg);
    net::task<void> retr(std::string_view arg);
    net::task<void> stor(std::string_view arg);
    net::task<void> stou(std::string_view arg);
    net::task<void> appe(std::string_view arg);
    net::task<void> list(std::string_view arg);
    net::task<void> nlst(std::string_view arg);
    net::task<void> mlsd(std::string_view arg);
    net::task<void> abor(std::string_view arg);

    /// Runs handler H once no transfer runs (commands other than ABOR, STAT and NOOP wait for
    /// the transfer, as if queued: RFC 959 4.1.3), and ends an RNFR that RNTO does not follow.
    template <net::task<void> (Session::*H)(std::string_view)>
    net::task<void> queued(std::string_view arg);

private:
    friend struct Transfer;
    enum class Store : std::uint8_t { replace, append, unique };
    [[nodiscard]] std::optional<std::string> path_arg(std::string_view arg);
    void reply_errno(int err, std::string_view vpath);
    [[nodiscard]] bool may_write(std::string_view vpath);
    void logged_in(std::string name, fs::FileHandle root, bool anonymous, bool writable);
    net::task<void> store(std::string_view arg, Store how);
    net::task<void> listing(std::string_view arg, std::string_view verb);
    net::task<bool> prepare_passive(bool extended);
    [[nodiscard]] bool set_active(const ActiveTarget& t);
    void start(std::unique_ptr<Transfer> t, std::string_view first_reply);
    net::task<void> run_transfer();
    net::task<std::string> move_data(Transfer& t);
    net::task<std::string> send_file(Transfer& t);
    net::task<std::string> receive_file(Transfer& t);
    std::string data_error(Transfer& t, const net::error_code& ec);
    void keep_control_alive();
    net::task<void> wait_transfer();

    line::Connection* c_;
    const Shared* shared_;
    std::uint32_t state_;
    std::string user_;  // after USER
    bool anonymous_ = false;
    bool writable_ = false;
    fs::FileHandle root_;    // the jail, O_PATH
    std::string cwd_ = "/";  // virtual
    Type type_ = Type::ascii;
    std::uint64_t rest_ = 0;
    std::string rename_from_;  // virtual path after RNFR
    unsigned facts_;
    unsigned failures_ = 0;
    bool tls_ = false;
    bool pbsz_ = false;
    bool protect_ = false;   // PROT P
    bool epsv_all_ = false;  // RFC 2428 4: after EPSV ALL, only EPSV
    std::unique_ptr<DataSetup> data_;
    std::unique_ptr<Transfer> xfer_;
    std::unique_ptr<asio::steady_timer> done_;
};

/// Session states (bits of line::Command::states).
inline constexpr std::uint32_t kNew = 1;       ///< before USER
inline constexpr std::uint32_t kNeedPass = 2;  ///< after USER
inline constexpr std::uint32_t kIn = 4;        ///< logged in

}  // namespace ftpd
