// The state of a data connection being set up (PORT/PASV) and of a transfer running beside
// the command loop. Internal to ftpd's session.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "fs/file_handle.hpp"
#include "ftpd/protocol.hpp"
#include "net/asio.hpp"
#include "net/stream.hpp"

namespace ftpd {

/// After PASV/EPSV (a listener) or PORT/EPRT (a target), until the next transfer command.
struct DataSetup {
    std::optional<net::tcp::acceptor> acceptor;  ///< passive
    net::tcp::endpoint listening;                ///< passive: where it listens
    std::optional<net::tcp::endpoint> target;    ///< active
};

/// One transfer: what it moves and the data connection it moves it on.
struct Transfer {
    enum class Kind : std::uint8_t { send_file, send_text, receive };

    explicit Transfer(const asio::any_io_executor& ex) : socket(ex) {}

    Kind kind = Kind::send_file;
    std::string verb;  ///< for transcript notes: "RETR"
    std::string name;  ///< the path as the client sees it
    fs::FileHandle file;
    std::uint64_t offset = 0;  ///< send_file: where to start; receive: where writing starts
    std::uint64_t size = 0;    ///< send_file: bytes to send from offset
    std::string text;          ///< send_text: the listing in network form
    Type type = Type::image;
    bool protect = false;  ///< PROT P: TLS on the data connection
    std::unique_ptr<DataSetup> setup;
    net::tcp::socket socket;  ///< the connection being opened
    std::optional<net::Stream> data;
    bool aborted = false;     ///< ABOR or the control connection ended
    std::uint64_t moved = 0;  ///< bytes on the data connection
    net::Clock::time_point started = net::Clock::now();

    /// ABOR: everything pending on the data connection ends with operation_aborted.
    void cancel() {
        aborted = true;
        net::error_code ignored;
        if (setup && setup->acceptor) setup->acceptor->close(ignored);
        if (socket.is_open()) socket.close(ignored);
        if (data) data->close();
    }
};

}  // namespace ftpd
