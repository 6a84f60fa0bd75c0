#include "smtpd/spool.hpp"

#include "net/blocking.hpp"

namespace smtpd {

namespace {
constexpr std::size_t kWriteChunk = 256 * 1024;
}

net::task<std::error_code> Spool::begin(const std::vector<mail::Maildir>& locals, const std::string& queue,
                                        const Envelope& envelope, const std::string& prefix,
                                        const std::string& local_prefix) {
    abort();
    locals_ = locals;
    queue_ = queue;
    local_prefix_ = local_prefix;
    pending_ = prefix;
    const mail::Maildir target = queue_.empty() ? locals_.front() : mail::Maildir(queue_);
    std::string stored = queue_.empty() ? std::string() : encode_envelope(envelope);
    envelope_size_ = stored.size();
    auto job = [d = &delivery_, target, stored = std::move(stored)]() -> std::error_code {
        if (auto ec = d->begin(target)) return ec;
        return stored.empty() ? std::error_code{} : d->write_stored(stored);
    };
    co_return co_await net::run_blocking(std::move(job));
}

net::task<std::error_code> Spool::write(std::string_view text) {
    pending_ += text;
    if (pending_.size() < kWriteChunk) co_return std::error_code{};
    auto job = [d = &delivery_, chunk = std::move(pending_)] { return d->write(chunk); };
    pending_.clear();
    co_return co_await net::run_blocking(std::move(job));
}

net::task<mail::Result<std::string>> Spool::commit() {
    auto job = [this]() -> mail::Result<std::string> {
        if (!pending_.empty()) {
            if (auto ec = delivery_.write(pending_)) {
                delivery_.abort();
                return {{}, ec};
            }
            pending_.clear();
        }
        const mail::Maildir first = queue_.empty() ? locals_.front() : mail::Maildir(queue_);
        auto name = delivery_.commit();
        if (name.error) return name;
        const std::string path = first.folder_path(mail::Folder::new_) + "/" + name.value;
        committed_path_ = path;
        committed_offset_ = queue_.empty() ? 0 : envelope_size_;
        std::vector<mail::Target> others;
        if (queue_.empty()) {
            // Several local recipients share the bytes (the prefix has no per-recipient field),
            // so the others get hard links to the first one's file.
            for (std::size_t i = 1; i < locals_.size(); ++i) others.push_back({locals_[i], {}});
        } else {
            // Local recipients of a queued message are delivered now, before the 250, so that
            // the queue holds only remote work and a crash never delivers a local copy twice.
            for (const auto& md : locals_) others.push_back({md, local_prefix_});
        }
        const mail::Source src{.path = path, .offset = queue_.empty() ? 0 : envelope_size_};
        if (!others.empty()) {
            for (auto& r : mail::deliver_copies(src, others))
                if (r.error) return {{}, r.error};
        }
        return {queue_.empty() ? std::string() : path, {}};
    };
    co_return co_await net::run_blocking(std::move(job));
}

void Spool::abort() {
    pending_.clear();
    delivery_.abort();
}

}  // namespace smtpd
