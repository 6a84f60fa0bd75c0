#include "dnsd/tcp_session.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <future>
#include <thread>

#include "test_zones.hpp"

namespace dnsd {
namespace {

using namespace std::chrono_literals;
using net::tcp;

std::vector<std::uint8_t> query(const char* name, std::uint16_t qtype, std::uint16_t id) {
    std::vector<std::uint8_t> buf(512);
    buf.resize(dns::build_query(buf, id, dns::Name::parse(name), qtype, false, 0));
    return buf;
}

std::string framed(const std::vector<std::uint8_t>& msg) {
    std::string s{static_cast<char>(msg.size() >> 8), static_cast<char>(msg.size() & 0xFF)};
    s.append(reinterpret_cast<const char*>(msg.data()), msg.size());
    return s;
}

/// The session, then what the server does when it returns: close the stream (which also
/// stops its watchdog, so that the io_context runs out of work).
net::task<void> session_then_close(net::Stream& s, const TcpSettings& settings) {
    co_await tcp_session(s, settings);
    s.close();
}

/// One tcp_session on a loopback connection, run on its own thread; the test is the client.
class TcpSession : public ::testing::Test {
protected:
    void start(TcpSettings settings = {}) {
        store_.set(dnsd::test::example_set());
        settings_ = settings;
        settings_.store = &store_;
        tcp::acceptor acc(server_ctx_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
        client_.connect(acc.local_endpoint());
        timeval tv{10, 0};  // a broken session fails the test instead of hanging it
        ::setsockopt(client_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        stream_ = std::make_unique<net::Stream>(acc.accept(), 1);
        done_ = asio::co_spawn(server_ctx_, session_then_close(*stream_, settings_), asio::use_future);
        thread_ = std::thread([this] { server_ctx_.run(); });
    }
    void TearDown() override {
        net::error_code ec;
        client_.close(ec);
        if (thread_.joinable()) thread_.join();
        if (done_.valid()) done_.get();  // rethrows what escaped the session, if anything
    }
    void send(std::string_view bytes) { asio::write(client_, asio::buffer(bytes)); }
    /// The next framed reply, or nullopt at EOF.
    std::optional<dns::Message> reply() {
        std::uint8_t len[2];
        net::error_code ec;
        asio::read(client_, asio::buffer(len), ec);
        if (ec) return std::nullopt;
        std::vector<std::uint8_t> msg(dns::load_u16(len));
        asio::read(client_, asio::buffer(msg), ec);
        if (ec) return std::nullopt;
        dns::Message m;
        EXPECT_EQ(dns::parse_message(msg, m), dns::ParseError::ok);
        return m;
    }
    /// Whether the server closed the connection (EOF rather than the receive timeout).
    bool closed_by_server() {
        char c;
        net::error_code ec;
        client_.read_some(asio::buffer(&c, 1), ec);
        return ec == asio::error::eof;
    }

    asio::io_context server_ctx_;
    asio::io_context client_ctx_;
    tcp::socket client_{client_ctx_};
    std::unique_ptr<net::Stream> stream_;
    ZoneStore store_;
    TcpSettings settings_;
    std::future<void> done_;
    std::thread thread_;
};

TEST_F(TcpSession, PipelinedQueriesAreAnsweredInOrder) {
    start();
    send(framed(query("www.example.test.", dns::type::A, 1)) + framed(query("nope.example.test.", dns::type::A, 2)) +
         framed(query("mail.example.test.", dns::type::A, 3)));
    auto a = reply(), b = reply(), c = reply();
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->header.id, 1);
    EXPECT_EQ(a->answer.size(), 3u);
    EXPECT_EQ(b->header.id, 2);
    EXPECT_EQ(b->header.rcode, dns::rcode::NXDOMAIN);
    EXPECT_EQ(c->header.id, 3);
}

TEST_F(TcpSession, AMessageSplitAcrossWritesIsReassembled) {
    start();
    auto bytes = framed(query("www.example.test.", dns::type::A, 7));
    for (char ch : bytes) send(std::string_view(&ch, 1));
    auto a = reply();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->header.id, 7);
}

TEST_F(TcpSession, LargeAnswersAreNotTruncated) {
    start();
    send(framed(query("big.example.test.", dns::type::TXT, 9)));
    auto a = reply();
    ASSERT_TRUE(a);
    EXPECT_FALSE(a->header.tc);
    EXPECT_EQ(a->answer.size(), 6u);
}

TEST_F(TcpSession, AxfrStreamsTheZoneBetweenTwoSoas) {
    start();
    send(framed(query("example.test.", dns::type::AXFR, 0x0a0a)));
    std::size_t records = 0, soas = 0;
    while (soas < 2) {
        auto m = reply();
        ASSERT_TRUE(m) << "the transfer ended after " << records << " records";
        EXPECT_EQ(m->header.id, 0x0a0a);
        for (const auto& rr : m->answer) {
            ++records;
            if (rr.type == dns::type::SOA) ++soas;
        }
    }
    EXPECT_EQ(records, store_.get()->zones()[0]->records().size() + 2);
    // The session goes on after a transfer.
    send(framed(query("www.example.test.", dns::type::A, 2)));
    auto a = reply();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->header.id, 2);
}

TEST_F(TcpSession, ALengthShorterThanAHeaderCloses) {
    start();
    send(std::string("\x00\x05hello", 7));
    EXPECT_TRUE(closed_by_server());
}

TEST_F(TcpSession, IdleConnectionsAreClosed) {
    start({.idle_timeout = 200ms});
    auto begin = std::chrono::steady_clock::now();
    EXPECT_TRUE(closed_by_server());
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

TEST_F(TcpSession, AStartedMessageMustArriveWithinTheIoTimeout) {
    start({.io_timeout = 200ms});
    auto bytes = framed(query("www.example.test.", dns::type::A, 3));
    send(bytes.substr(0, bytes.size() - 1));
    EXPECT_TRUE(closed_by_server());
}

}  // namespace
}  // namespace dnsd
