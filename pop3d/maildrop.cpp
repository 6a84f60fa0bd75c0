#include "pop3d/maildrop.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace pop3d {

std::optional<Maildrop> Maildrop::open(const mail::Maildir& dir, OpenFailure& why, std::error_code& error) {
    error.clear();
    auto lock = mail::MaildropLock::try_acquire(dir, &error);
    if (!lock) {
        why = error ? OpenFailure::failed : OpenFailure::in_use;
        return std::nullopt;
    }
    // RFC 1939 8: the numbers are those of the listing at login; mail arriving later waits for
    // the next session.
    auto listed = dir.list();
    if (!listed) {
        why = OpenFailure::failed;
        error = listed.error;
        return std::nullopt;
    }
    return Maildrop(dir, std::move(*lock), std::move(listed.value));
}

Maildrop::Maildrop(mail::Maildir dir, mail::MaildropLock lock, std::vector<mail::Message> messages)
    : dir_(std::move(dir)), lock_(std::move(lock)), messages_(std::move(messages)), deleted_(messages_.size()) {
    reset();
}

mail::Message* Maildrop::get(std::size_t n) {
    if (n == 0 || n > messages_.size() || deleted_[n - 1]) return nullptr;
    return &messages_[n - 1];
}

bool Maildrop::erase(std::size_t n) {
    if (get(n) == nullptr) return false;
    deleted_[n - 1] = true;
    --live_count_;
    live_octets_ -= messages_[n - 1].crlf_size;
    return true;
}

void Maildrop::reset() {
    deleted_.assign(messages_.size(), false);
    live_count_ = messages_.size();
    live_octets_ = 0;
    for (const auto& m : messages_) live_octets_ += m.crlf_size;
}

std::size_t Maildrop::update() {
    std::size_t failed = 0;
    for (std::size_t i = 0; i < messages_.size(); ++i) {
        if (!deleted_[i]) continue;
        const auto ec = dir_.remove(messages_[i]);
        if (ec && !mail::is_gone(ec)) ++failed;
    }
    return failed;
}

std::error_code read_step(const mail::Maildir& dir, mail::Message& m, Transfer& t, std::string& out) {
    if (!t.file) {
        auto f = dir.open(m);
        if (!f) return f.error;
        t.file = std::move(f.value);
        struct stat st {};
        if (::fstat(t.file.get(), &st) != 0) return mail::last_error();
        t.size = static_cast<std::uint64_t>(st.st_size);
    }
    // One buffer per pool thread, not one per transfer step.
    thread_local std::string buf(kReadChunk, '\0');
    ssize_t n = 0;
    do n = ::pread(t.file.get(), buf.data(), buf.size(), static_cast<off_t>(t.offset));
    while (n < 0 && errno == EINTR);
    if (n < 0) return mail::last_error();
    t.offset += static_cast<std::uint64_t>(n);
    // RFC 1939 3: CRLF line ends, a leading "." doubled; TOP stops at its line count.
    const bool more = t.stuffer.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), out);
    // A short read at the known end finishes now, not one pool round trip later.
    if (n > 0 && more && t.offset < t.size) return {};
    t.stuffer.finish(out);
    t.done = true;
    t.file.reset();
    // Dovecot's behaviour: a retrieved message is read (new/ to cur/, flag S) for Maildir readers.
    if (t.mark_seen) (void)dir.mark_seen(m);
    return {};
}

}  // namespace pop3d
