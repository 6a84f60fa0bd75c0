#include "auth/options.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/password.hpp"
#include "temp_dir.hpp"

namespace auth {
namespace {

using suite::test::TempDir;

struct Argv {
    std::vector<std::string> args;
    std::vector<char*> ptrs;
    Argv(std::initializer_list<std::string> a) : args(a) {
        for (auto& s : args) ptrs.push_back(s.data());
        ptrs.push_back(nullptr);
    }
    [[nodiscard]] int argc() const { return static_cast<int>(args.size()); }
    [[nodiscard]] char** argv() { return ptrs.data(); }
};

std::string read_all(int fd) {
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

// Runs `daemon --hash-password` in a child with `input` on stdin; returns {exit code, stdout}.
std::pair<int, std::string> hash_password_cli(const std::string& input) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return {-1, ""};
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
        app::Daemon d("testd", "test daemon");
        Options o;
        bind_options(d, o);
        Argv a{"testd", "--hash-password"};
        const int rc = d.main(a.argc(), a.argv(),
                              [](app::Daemon&, net::Runtime&) { (void)!::write(STDOUT_FILENO, "SETUP RAN\n", 10); });
        std::fflush(stdout);
        ::_exit(rc);
    }
    ::close(in[0]);
    ::close(out[1]);
    (void)!::write(in[1], input.data(), input.size());
    ::close(in[1]);
    std::string output = read_all(out[0]);
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(AuthOptions, FlagsBindAndAFlagPathStaysRelativeToTheWorkingDirectory) {
    app::Daemon d("testd", "test daemon");
    Options o;
    bind_options(d, o);
    Argv a{"testd",
           "--threads",
           "1",
           "--users",
           "rel/users",
           "--allow-plain-passwords",
           "--login-delay-ms",
           "5",
           "--max-login-failures",
           "3"};
    bool ran = false;
    const int rc = d.main(a.argc(), a.argv(), [&](app::Daemon& dd, net::Runtime&) {
        ran = true;
        EXPECT_EQ(dd.config_path(o.users_file, "--users"), "rel/users");
    });
    EXPECT_EQ(rc, 0);
    EXPECT_TRUE(ran);
    EXPECT_EQ(o.users_file, "rel/users");
    EXPECT_TRUE(o.allow_plain);
    EXPECT_EQ(o.login_delay_ms, 5u);
    EXPECT_EQ(o.max_login_failures, 3u);
}

TEST(AuthOptions, ConfigKeysAndAUsersPathRelativeToTheConfigFile) {
    TempDir dir;
    dir.write("etc/users.txt", "bob:{PLAIN}hungry\n");
    const std::string conf = dir.write("etc/testd.toml",
                                       "users = \"users.txt\"\nallow_plain_passwords = true\n"
                                       "login_delay_ms = 7\nmax_login_failures = 4\n");
    app::Daemon d("testd", "test daemon");
    Options o;
    bind_options(d, o);
    Argv a{"testd", "--threads", "1", "--config", conf};
    std::shared_ptr<Authenticator> auth;
    const int rc =
        d.main(a.argc(), a.argv(), [&](app::Daemon& dd, net::Runtime&) { auth = make_authenticator(dd, o); });
    EXPECT_EQ(rc, 0);
    ASSERT_TRUE(auth);
    EXPECT_TRUE(auth->find("bob"));
    EXPECT_EQ(auth->options().users_file, dir.path("etc/users.txt"));
    EXPECT_EQ(auth->options().login_delay_ms, 7u);
    EXPECT_EQ(auth->options().max_login_failures, 4u);
}

TEST(AuthOptions, BadUsersFileIsAConfigurationError) {
    TempDir dir;
    const std::string users = dir.write("users", "# users\nbob:{PLAIN}hungry\n");  // plain not allowed
    app::Daemon d("testd", "test daemon");
    Options o;
    bind_options(d, o);
    try {
        Argv a{"testd", "--users", users};
        EXPECT_EQ(d.main(a.argc(), a.argv(), [&](app::Daemon& dd, net::Runtime&) { (void)make_authenticator(dd, o); }),
                  app::exit_usage);
        (void)make_authenticator(d, o);
        FAIL() << "loaded a bad users file";
    } catch (const app::ConfigError& e) {
        EXPECT_TRUE(std::string(e.what()).starts_with(users + ":2: plain-text password for `bob`")) << e.what();
    }
}

TEST(AuthOptions, HashPasswordPrintsAVerifiableHashAndExits) {
    auto [rc, out] = hash_password_cli("hungry\n");
    EXPECT_EQ(rc, 0);
    ASSERT_TRUE(out.ends_with("\n")) << out;
    const std::string hash = out.substr(0, out.size() - 1);
    EXPECT_TRUE(hash.starts_with("$y$")) << out;
    EXPECT_EQ(hash.find("SETUP"), std::string::npos) << "exits before the daemon binds anything";
    EXPECT_TRUE(verify_crypt("hungry", hash));
}

TEST(AuthOptions, HashPasswordRefusesAnEmptyPassword) {
    auto [rc, out] = hash_password_cli("");
    EXPECT_EQ(rc, app::exit_usage);
    EXPECT_EQ(out, "");
    EXPECT_EQ(hash_password_cli("\n").first, app::exit_usage);
}

TEST(AuthOptions, PasswordLineBounds) {
    auto hash_of = [](const std::string& input) {
        int in[2], out[2];
        EXPECT_EQ(::pipe(in), 0);
        EXPECT_EQ(::pipe(out), 0);
        (void)!::write(in[1], input.data(), input.size());
        ::close(in[1]);
        std::string result;
        try {
            print_password_hash(in[0], out[1]);
            ::close(out[1]);
            result = read_all(out[0]);
        } catch (const std::runtime_error& e) {
            ::close(out[1]);
            result = std::string("error: ") + e.what();
        }
        ::close(in[0]);
        ::close(out[0]);
        return result;
    };
    const std::string crlf = hash_of("pw\r\nignored\n");
    EXPECT_TRUE(verify_crypt("pw", crlf.substr(0, crlf.size() - 1))) << crlf;
    const std::string longest(kMaxPasswordLine, 'p');
    const std::string at_limit = hash_of(longest + "\n");
    EXPECT_TRUE(verify_crypt(longest, at_limit.substr(0, at_limit.size() - 1)));
    EXPECT_EQ(hash_of(longest + "p\n"), "error: password longer than " + std::to_string(kMaxPasswordLine) + " bytes");
    EXPECT_EQ(hash_of(""), "error: empty password");
}

}  // namespace
}  // namespace auth
