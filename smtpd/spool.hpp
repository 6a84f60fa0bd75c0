// Where an incoming message is written while it arrives: the one local recipient's Maildir,
// the first of several (then hard links for the others), or the relay queue. Made durable
// (fsync) before the 250 (RFC 5321 4.1.1.4, 6.1: a 250 is a promise to deliver).
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mail/delivery.hpp"
#include "net/asio.hpp"
#include "smtpd/envelope.hpp"

namespace smtpd {

/// One message being received. File work runs on the blocking pool, in chunks.
class Spool {
public:
    /// Starts a message for local Maildirs `locals` (no remote recipient: direct delivery) or,
    /// when `queue` is non-empty, into the queue with `envelope` (the remote recipients) in
    /// front; the local recipients then get copies of the queue file at commit, each with
    /// `local_prefix` (Return-Path:) in front. `prefix` (network form) is written first:
    /// Return-Path: and Received: for local delivery, Received: for the queue. Errors:
    /// Delivery::begin's (mkdir, open).
    /// (Arguments by reference: g++ 12 mangles class temporaries in co_await expressions, so
    /// callers pass named values.)
    [[nodiscard]] net::task<std::error_code> begin(const std::vector<mail::Maildir>& locals, const std::string& queue,
                                                   const Envelope& envelope, const std::string& prefix,
                                                   const std::string& local_prefix);
    /// Appends network-form text (CRLF); written out every 256 KiB. Errors: write errors.
    [[nodiscard]] net::task<std::error_code> write(std::string_view network_text);
    /// Flushes, fsyncs, renames into new/, and links or copies into the other Maildirs.
    /// Returns the queue file's path when queued ("" for direct delivery). Errors: any failure
    /// (then nothing is visible, except copies already made for other local users).
    [[nodiscard]] net::task<mail::Result<std::string>> commit();
    /// Drops the message.
    void abort();
    [[nodiscard]] bool active() const { return delivery_.active(); }
    /// After commit(): the file the message went to first (a Maildir's or the queue's), and
    /// where the message starts in it (after the queue envelope).
    [[nodiscard]] const std::string& committed_path() const { return committed_path_; }
    [[nodiscard]] std::uint64_t committed_offset() const { return committed_offset_; }

private:
    mail::Delivery delivery_;
    std::vector<mail::Maildir> locals_;
    std::string queue_;
    std::string local_prefix_;
    std::uint64_t envelope_size_ = 0;
    std::string pending_;
    std::string committed_path_;
    std::uint64_t committed_offset_ = 0;
};

}  // namespace smtpd
