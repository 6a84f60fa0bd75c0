// Asio names used throughout the suite (Boost.Asio 1.81, C++20 coroutines).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace asio = boost::asio;

namespace net {
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using error_code = boost::system::error_code;
template <class T = void>
using task = asio::awaitable<T>;
using Clock = std::chrono::steady_clock;
}  // namespace net
