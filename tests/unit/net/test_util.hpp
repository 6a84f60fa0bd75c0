// Helpers for core tests: a connected loopback TCP pair and running a coroutine to completion.
#pragma once

#include <future>

#include "net/stream.hpp"

namespace net::test {

struct Pair {
    asio::io_context ctx;
    tcp::socket client{ctx};
    std::unique_ptr<Stream> server;

    Pair() {
        tcp::acceptor acc(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        client.connect(acc.local_endpoint());
        server = std::make_unique<Stream>(acc.accept(), 1);
    }
    void send(std::string_view s) { asio::write(client, asio::buffer(s)); }

    template <class T>
    T run(task<T> t) {
        auto fut = asio::co_spawn(ctx, std::move(t), asio::use_future);
        ctx.restart();
        ctx.run();
        return fut.get();
    }
};

}  // namespace net::test
