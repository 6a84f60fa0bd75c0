// The session driver over a real loopback connection: the client writes everything, then
// half-closes; the driver answers and ends; we compare what came back.
#include "http/server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <stdexcept>
#include <thread>

using namespace http;

namespace {

struct Outcome {
    std::string wire;                 // everything the server wrote
    std::vector<std::string> bodies;  // bodies the handler saw
    std::vector<std::string> log;     // combined log lines
};

// `half_close`: the client shuts down its sending side after the input (EOF for the server);
// otherwise it keeps the connection open and only reads, so deadlines can pass.
Outcome exchange(const std::string& input, ServerOptions opts = {}, Handler handler = {}, bool half_close = true) {
    asio::io_context ctx;
    net::tcp::acceptor acc(ctx, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    net::tcp::socket client(ctx);
    client.connect(acc.local_endpoint());
    net::Stream server(acc.accept(), 1);
    Outcome out;
    if (!handler) {
        handler = [&out](const ServerRequest& rq, Response& r) -> net::task<void> {
            out.bodies.emplace_back(rq.body);
            r.add_header("Content-Type", "text/plain");
            r.body = "you asked for " + std::string(rq.head.target) + " #" + std::to_string(rq.index);
            co_return;
        };
    }
    opts.log = [&out](const LogEntry& e) {
        std::string line;
        format_combined_log(e, line);
        out.log.push_back(line);
    };
    std::thread writer([&] {
        asio::write(client, asio::buffer(input));
        if (half_close) client.shutdown(net::tcp::socket::shutdown_send);
        boost::system::error_code ec;
        char buf[4096];
        while (true) {
            const auto n = client.read_some(asio::buffer(buf), ec);
            if (ec) break;
            out.wire.append(buf, n);
        }
    });
    auto fut = asio::co_spawn(ctx, serve(server, handler, opts), asio::use_future);
    // Run until the session ends (the stream's watchdog timer may still be pending).
    while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready && ctx.run_one() > 0) {
    }
    fut.get();
    server.close();
    writer.join();
    return out;
}

std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

// A client of a parking service: sends, then reads one response at a time.
struct Client {
    asio::io_context ctx;
    net::tcp::socket s{ctx};
    std::string buf;
    explicit Client(const net::tcp::endpoint& ep) {
        s.connect(ep);
        timeval tv{10, 0};
        ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    // The body of the next response, or "<error>" when the connection ends instead.
    std::string response() {
        net::error_code ec;
        const auto n = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n\r\n", ec);
        if (ec) return "<" + ec.message() + ">";
        const auto at = buf.find("Content-Length: ");
        const std::size_t len = at < n ? std::stoul(buf.substr(at + 16)) : 0;
        if (buf.size() < n + len)
            asio::read(s, asio::dynamic_buffer(buf), asio::transfer_exactly(n + len - buf.size()), ec);
        std::string body = buf.substr(n, len);
        buf.erase(0, n + len);
        return body;
    }
    void send(const std::string& text) { asio::write(s, asio::buffer(text)); }
};

}  // namespace

TEST(Server, PipelinedRequestsAnsweredInOrder) {
    const auto o = exchange(
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    const auto a = o.wire.find("you asked for /a #1");
    const auto b = o.wire.find("you asked for /b #2");
    const auto c = o.wire.find("you asked for /c #3");
    ASSERT_NE(a, std::string::npos);
    ASSERT_NE(b, std::string::npos);
    ASSERT_NE(c, std::string::npos);
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_EQ(count(o.wire, "HTTP/1.1 200 OK\r\n"), 3u);
    EXPECT_EQ(count(o.wire, "Connection: close\r\n"), 1u);
    EXPECT_EQ(count(o.wire, "Content-Length: 19\r\n"), 3u);
    EXPECT_EQ(o.log.size(), 3u);
}

TEST(Server, HeadHasLengthButNoBody) {
    const auto o = exchange("HEAD /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    EXPECT_NE(o.wire.find("Content-Length: 19\r\n"), std::string::npos);
    EXPECT_TRUE(o.wire.ends_with("\r\n\r\n")) << o.wire;
}

TEST(Server, Http10ClosesUnlessKeepAlive) {
    auto o = exchange("GET /x HTTP/1.0\r\n\r\nGET /y HTTP/1.0\r\n\r\n");
    EXPECT_EQ(count(o.wire, "HTTP/1.1 200"), 1u);
    EXPECT_NE(o.wire.find("Connection: close\r\n"), std::string::npos);
    o = exchange("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /y HTTP/1.0\r\n\r\n");
    EXPECT_EQ(count(o.wire, "HTTP/1.1 200"), 2u);
    EXPECT_NE(o.wire.find("Connection: keep-alive\r\n"), std::string::npos);
}

TEST(Server, BodiesByLengthAndChunked) {
    const auto o = exchange(
        "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        "POST /q HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
        "GET /r HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(o.bodies.size(), 3u);
    EXPECT_EQ(o.bodies[0], "hello");
    EXPECT_EQ(o.bodies[1], "abcde");
    EXPECT_EQ(o.bodies[2], "");
    EXPECT_NE(o.wire.find("you asked for /q #2"), std::string::npos);
}

TEST(Server, BodyLimitBothSides) {
    ServerOptions opts;
    opts.limits.max_body = 4;
    auto o = exchange("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd", opts);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 200 OK\r\n"));
    o = exchange("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcde", opts);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 413 Content Too Large\r\n")) << o.wire;
    EXPECT_TRUE(o.bodies.empty());
    o = exchange("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n", opts);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 413")) << o.wire;
}

TEST(Server, ExpectContinue) {
    // The body is already here: no need to ask for it (RFC 9110 10.1.1).
    auto o = exchange(
        "PUT /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
        "Connection: close\r\n\r\nok");
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 200 OK\r\n")) << o.wire;
    ASSERT_EQ(o.bodies.size(), 1u);
    EXPECT_EQ(o.bodies[0], "ok");
    // Only the head: the driver asks for the body, then sees the client leave.
    o = exchange("PUT /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    EXPECT_EQ(o.wire, "HTTP/1.1 100 Continue\r\n\r\n");
    EXPECT_TRUE(o.bodies.empty());
}

TEST(Server, BeforeBodyRefusesWithoutReading) {
    ServerOptions opts;
    opts.before_body = [](const ServerRequest&, Response& r) {
        set_error(r, 405);
        r.add_header("Allow", "GET");
        return true;
    };
    const auto o = exchange("PUT /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", opts);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << o.wire;
    EXPECT_NE(o.wire.find("Allow: GET\r\n"), std::string::npos);
    EXPECT_NE(o.wire.find("Connection: close\r\n"), std::string::npos);
    EXPECT_TRUE(o.bodies.empty());
}

TEST(Server, ParseErrorsAnswerAndClose) {
    auto o = exchange("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 400 Bad Request\r\n")) << o.wire;
    EXPECT_EQ(count(o.wire, "HTTP/1.1"), 1u);
    ASSERT_EQ(o.log.size(), 1u);
    EXPECT_NE(o.log[0].find("\"-\" 400 "), std::string::npos) << o.log[0];
    ServerOptions opts;
    opts.limits.parser.max_request_line = 20;
    o = exchange("GET /" + std::string(30, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", opts);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 414 URI Too Long\r\n")) << o.wire;
    o = exchange("GET / HTTP/3.0\r\nHost: h\r\n\r\n");
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 505")) << o.wire;
}

TEST(Server, MaxRequestsPerConnection) {
    ServerOptions opts;
    opts.limits.max_requests = 2;
    const auto o = exchange(
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /c HTTP/1.1\r\nHost: h\r\n\r\n",
        opts);
    EXPECT_EQ(count(o.wire, "HTTP/1.1 200"), 2u);
    EXPECT_EQ(count(o.wire, "Connection: close\r\n"), 1u);
}

TEST(Server, HandlerExceptionIs500) {
    Handler h = [](const ServerRequest&, Response&) -> net::task<void> {
        throw std::runtime_error("boom");
        co_return;
    };
    const auto o = exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n", {}, h);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 500 Internal Server Error\r\n")) << o.wire;
}

TEST(Server, ClosingResponseDropsPipelinedRequests) {
    const auto o = exchange(
        "GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(count(o.wire, "HTTP/1.1 200"), 1u);
    EXPECT_NE(o.wire.find("you asked for /a #1"), std::string::npos);
    EXPECT_EQ(o.wire.find("/b"), std::string::npos);
    EXPECT_EQ(o.log.size(), 1u);
}

TEST(Server, MalformedChunkedBodyIs400AndLogged) {
    const auto o = exchange("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 400 Bad Request\r\n")) << o.wire;
    EXPECT_NE(o.wire.find("Connection: close\r\n"), std::string::npos);
    EXPECT_TRUE(o.bodies.empty());
    ASSERT_EQ(o.log.size(), 1u);
    EXPECT_NE(o.log[0].find("\"POST /p HTTP/1.1\" 400 "), std::string::npos) << o.log[0];
}

TEST(Server, SlowHeadAndSlowBodyAre408) {
    ServerOptions opts;
    opts.limits.header_timeout = std::chrono::milliseconds(50);
    opts.limits.body_timeout = std::chrono::milliseconds(50);
    auto o = exchange("GET / HTTP/1.1\r\nHost: h\r\n", opts, {}, /*half_close=*/false);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 408 Request Timeout\r\n")) << o.wire;
    o = exchange("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc", opts, {}, false);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 408 Request Timeout\r\n")) << o.wire;
    EXPECT_TRUE(o.bodies.empty());
}

TEST(Server, IdleConnectionClosesSilently) {
    ServerOptions opts;
    opts.limits.idle_timeout = std::chrono::milliseconds(50);
    const auto o = exchange("GET /a HTTP/1.1\r\nHost: h\r\n\r\n", opts, {}, /*half_close=*/false);
    EXPECT_EQ(count(o.wire, "HTTP/1.1"), 1u);  // the answer, then nothing: no 408 between requests
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 200 OK\r\n")) << o.wire;
}

TEST(Server, DriverAddsServerDateAndLength) {
    ServerOptions opts;
    opts.server_name = "";
    auto o = exchange("GET /a HTTP/1.1\r\nHost: h\r\n\r\n", opts);
    EXPECT_EQ(o.wire.find("Server:"), std::string::npos);
    EXPECT_NE(o.wire.find("\r\nDate: "), std::string::npos);
    o = exchange("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_NE(o.wire.find("\r\nServer: netsuite\r\n"), std::string::npos);
    Handler no_content = [](const ServerRequest&, Response& r) -> net::task<void> {
        r.status = 204;
        co_return;
    };
    o = exchange("DELETE /a HTTP/1.1\r\nHost: h\r\n\r\n", {}, no_content);
    EXPECT_TRUE(o.wire.starts_with("HTTP/1.1 204 No Content\r\n")) << o.wire;
    EXPECT_EQ(o.wire.find("Content-Length"), std::string::npos);  // RFC 9110 8.6
}

// http::service: the same driver as parking sessions of the runtime.
TEST(Server, ParkedConnectionsKeepTheirCountTimeOutAndDrain) {
    using namespace std::chrono_literals;
    Handler handler = [](const ServerRequest& rq, Response& r) -> net::task<void> {
        r.body = std::string(rq.head.target) + " #" + std::to_string(rq.index) + " " + std::string(rq.body);
        co_return;
    };
    ServerOptions opts;
    opts.limits.idle_timeout = 300ms;
    net::Runtime rt({.threads = 1, .drain_timeout = 2000ms});
    const auto eps =
        rt.add_tcp({.name = "http", .listen = {{asio::ip::make_address("127.0.0.1"), 0}}}, service(handler, opts));
    std::thread th([&] { rt.run(); });
    Client a(eps[0]);
    a.send("POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
    EXPECT_EQ(a.response(), "/one #1 abc");
    a.send("GET /two HTTP/1.1\r\nHost: h\r\n\r\n");  // after a park: the count went on
    EXPECT_EQ(a.response(), "/two #2 ");
    a.send("GET /three HTTP/1.1\r\nHost: h\r\n\r\nGET /four HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(a.response(), "/three #3 ");
    EXPECT_EQ(a.response(), "/four #4 ");
    EXPECT_EQ(a.response(), "<End of file>");  // parked past its idle deadline: closed silently
    Client b(eps[0]);
    b.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(b.response(), "/b #1 ");
    rt.stop();
    EXPECT_EQ(b.response(), "<End of file>");  // parked when the drain began: closed at once
    th.join();
    EXPECT_EQ(rt.connections(), 0u);
}

// ServerOptions::quick answers what it can at once (pipelined requests that are already
// buffered never suspend); what it declines goes to the handler, in order.
TEST(Server, QuickPathAnswersInOrderAndDeclinesToTheHandler) {
    std::vector<std::string> slow;
    Handler handler = [&slow](const ServerRequest& rq, Response& r) -> net::task<void> {
        slow.emplace_back(rq.head.target);
        r.body = "slow " + std::string(rq.head.target);
        co_return;
    };
    ServerOptions opts;
    opts.quick = [](const ServerRequest& rq, Response& r) {
        if (!rq.head.target.starts_with("/q")) return false;
        if (rq.head.target == "/qboom") throw std::runtime_error("boom");
        r.body = "quick " + std::string(rq.head.target) + " #" + std::to_string(rq.index);
        return true;
    };
    auto o = exchange(
        "GET /q1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /q2 HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /s HTTP/1.1\r\nHost: h\r\n\r\nGET /q3 HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET /q4 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n",
        opts, handler);
    const auto q1 = o.wire.find("quick /q1 #1");
    const auto q2 = o.wire.find("Content-Length: 12\r\n", q1);  // HEAD: the length, no body
    const auto s = o.wire.find("slow /s");
    const auto q3 = o.wire.find("quick /q3 #4");
    const auto q4 = o.wire.find("quick /q4 #5");
    ASSERT_NE(q1, std::string::npos) << o.wire;
    ASSERT_NE(q2, std::string::npos) << o.wire;
    ASSERT_NE(q4, std::string::npos) << o.wire;
    EXPECT_LT(q1, q2);
    EXPECT_LT(q2, s);
    EXPECT_LT(s, q3);
    EXPECT_LT(q3, q4);
    EXPECT_EQ(o.wire.find("quick /q2"), std::string::npos);
    EXPECT_EQ(o.wire.find("never"), std::string::npos);
    EXPECT_EQ(count(o.wire, "Connection: close"), 1u);
    EXPECT_EQ(slow, std::vector<std::string>{"/s"});
    EXPECT_EQ(o.log.size(), 5u);
    // A quick handler's exception is a 500 that closes, as the handler's is.
    o = exchange("GET /q1 HTTP/1.1\r\nHost: h\r\n\r\nGET /qboom HTTP/1.1\r\nHost: h\r\n\r\nGET /q5 HTTP/1.1\r\n\r\n",
                 opts, handler);
    EXPECT_NE(o.wire.find("HTTP/1.1 500 "), std::string::npos) << o.wire;
    EXPECT_EQ(o.wire.find("/q5"), std::string::npos);
}

// A quick response larger than the socket takes at once is finished asynchronously, on a
// parked connection that then goes on.
TEST(Server, QuickResponseLargerThanTheSocketBuffer) {
    using namespace std::chrono_literals;
    const std::string big(16 << 20, 'x');
    Handler handler = [](const ServerRequest&, Response& r) -> net::task<void> {
        r.body = "slow";
        co_return;
    };
    ServerOptions opts;
    opts.quick = [&big](const ServerRequest& rq, Response& r) {
        if (rq.head.target != "/big") return false;
        r.set_shared(std::make_shared<int>(0), big);
        return true;
    };
    net::Runtime rt({.threads = 1, .drain_timeout = 2000ms});
    const auto eps =
        rt.add_tcp({.name = "http", .listen = {{asio::ip::make_address("127.0.0.1"), 0}}}, service(handler, opts));
    std::thread th([&] { rt.run(); });
    asio::io_context ctx;
    net::tcp::socket s(ctx);
    s.connect(eps[0]);
    asio::write(s, asio::buffer(std::string("GET /big HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n")));
    std::string buf;
    net::error_code ec;
    while (buf.find("\r\n\r\nslow") == std::string::npos && !ec) {
        char chunk[65536];
        const auto n = s.read_some(asio::buffer(chunk), ec);
        buf.append(chunk, n);
    }
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_NE(buf.find("Content-Length: 16777216\r\n"), std::string::npos);
    const auto body = buf.find("\r\n\r\n") + 4;
    EXPECT_TRUE(buf.compare(body, big.size(), big) == 0);
    EXPECT_TRUE(buf.compare(body + big.size(), 9, "HTTP/1.1 ") == 0);
    rt.stop();
    th.join();
}

// The turns of a parked connection that need no coroutine (net::Resumable::poll): a request
// after each park is read, answered by the quick path and written in the same turn, and the
// connection parks again on the socket's next readiness event without asking the socket
// again. Requests in every shape must still be answered once and in order: one per round
// trip, a head that arrives in two pieces, a pipelined burst larger than the read buffer,
// declined ones in between; then the idle deadline and a drain still close a parked connection.
TEST(Server, QuickTurnsAcrossParksServeEveryShapeOfRequest) {
    using namespace std::chrono_literals;
    Handler handler = [](const ServerRequest& rq, Response& r) -> net::task<void> {
        r.body = "slow " + std::string(rq.head.target) + " #" + std::to_string(rq.index);
        co_return;
    };
    ServerOptions opts;
    opts.limits.idle_timeout = 500ms;
    opts.limits.parser.max_header_bytes = 1024;  // the reader's buffer: about 1 KiB
    opts.quick = [](const ServerRequest& rq, Response& r) {
        if (rq.head.target.starts_with("/s")) return false;
        r.body = std::string(rq.head.target) + " #" + std::to_string(rq.index);
        return true;
    };
    net::Runtime rt({.threads = 1, .drain_timeout = 2000ms});
    const auto eps =
        rt.add_tcp({.name = "http", .listen = {{asio::ip::make_address("127.0.0.1"), 0}}}, service(handler, opts));
    std::thread th([&] { rt.run(); });
    Client a(eps[0]);
    std::size_t n = 0;
    for (int i = 0; i < 300; ++i) {  // one request per turn
        const std::string t = (i % 50 == 49 ? "/s" : "/q") + std::to_string(i);
        a.send("GET " + t + " HTTP/1.1\r\nHost: h\r\n\r\n");
        ASSERT_EQ(a.response(), (t[1] == 's' ? "slow " : "") + t + " #" + std::to_string(++n));
    }
    // A head in two pieces: the turn that answers /a also reads the start of /two-pieces (one
    // write) and hands it to the coroutine, which reads the rest.
    a.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /two-pieces HTTP/1.1\r\nHo");
    EXPECT_EQ(a.response(), "/a #" + std::to_string(++n));
    a.send("st: h\r\n\r\n");
    EXPECT_EQ(a.response(), "/two-pieces #" + std::to_string(++n));
    // A burst of 100 heads, several times the read buffer: turns that fill the buffer read on.
    std::string burst, want;
    for (int i = 0; i < 100; ++i) {
        const std::string t = (i % 10 == 3 ? "/s" : "/p") + std::to_string(i);
        burst += "GET " + t + " HTTP/1.1\r\nHost: h\r\n\r\n";
        want += (t[1] == 's' ? "slow " : "") + t + " #" + std::to_string(++n) + "|";
    }
    a.send(burst);
    std::string got;
    for (int i = 0; i < 100; ++i) got += a.response() + "|";
    EXPECT_EQ(got, want);
    EXPECT_EQ(a.response(), "<End of file>");  // parked past its idle deadline: closed silently
    Client b(eps[0]);
    b.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(b.response(), "/b #1");
    rt.stop();
    EXPECT_EQ(b.response(), "<End of file>");  // parked when the drain began: closed at once
    th.join();
    EXPECT_EQ(rt.connections(), 0u);
}

// A request that arrives together with the client's FIN (it sent, then shut down its side) on
// a connection that had parked: the turn answers it and must see the end of stream, rather
// than park on a socket whose last read came back short (a FIN that came with the request
// raises no later event), which kept the connection open until its idle timeout.
TEST(Server, HalfCloseAfterAParkedRequestClosesAtOnce) {
    using namespace std::chrono_literals;
    Handler handler = [](const ServerRequest&, Response& r) -> net::task<void> {
        r.body = "slow";
        co_return;
    };
    ServerOptions opts;
    opts.limits.idle_timeout = 20s;
    opts.quick = [](const ServerRequest& rq, Response& r) {
        r.body = std::string(rq.head.target);
        return true;
    };
    net::Runtime rt({.threads = 1, .drain_timeout = 2000ms});
    const auto eps =
        rt.add_tcp({.name = "http", .listen = {{asio::ip::make_address("127.0.0.1"), 0}}}, service(handler, opts));
    std::thread th([&] { rt.run(); });
    for (const bool first : {true, false}) {
        Client c(eps[0]);
        if (!first) {
            c.send("GET /before HTTP/1.1\r\nHost: h\r\n\r\n");
            EXPECT_EQ(c.response(), "/before");  // the connection parks after this one
        }
        c.send("GET /last HTTP/1.1\r\nHost: h\r\n\r\n");
        c.s.shutdown(net::tcp::socket::shutdown_send);
        const auto sent = std::chrono::steady_clock::now();
        EXPECT_EQ(c.response(), "/last");
        EXPECT_EQ(c.response(), "<End of file>");
        EXPECT_LT(std::chrono::steady_clock::now() - sent, 10s) << "closed by the idle timeout, not at the FIN";
    }
    rt.stop();
    th.join();
}
