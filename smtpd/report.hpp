// Writing a delivery report (dsn.hpp) into the relay queue, with the original message read
// back from its file. Blocking file I/O: run through net::run_blocking.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "mail/file.hpp"
#include "smtpd/dsn.hpp"

namespace smtpd {

/// Larger messages are returned as their header only.
inline constexpr std::size_t kMaxReturned = 1 << 20;

/// Up to `max` bytes from the start of file `path` ("" when it cannot be opened).
[[nodiscard]] std::string read_prefix(const std::string& path, std::size_t max);

/// A MIME boundary (RFC 2046 5.1.1) unique per message.
[[nodiscard]] std::string unique_boundary();

/// A report to write: about message `about` (its file `original_path`, the message from
/// `offset`), of kind `action`, for `recipients` (filtered by wanted_reports()).
struct ReportJob {
    std::string queue_dir{};
    std::string reporting_mta{};
    Envelope about{};
    Action action = Action::failed;
    std::vector<ReportedRecipient> recipients{};
    std::time_t retry_until = 0;
    std::string original_path{};
    std::uint64_t offset = 0;
};

/// Builds the report (the original read back from its file, a leading Return-Path: line
/// dropped: it belongs to a mailbox copy) and commits it to the queue with the null sender.
/// Returns the queue file's path, or "" when nobody asked for this report (NOTIFY, null
/// sender). Errors: Delivery's (mkdir, open, write, fsync); an unreadable original is
/// returned empty.
[[nodiscard]] mail::Result<std::string> queue_report(const ReportJob& j);

}  // namespace smtpd
