#include "smtpd/report.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>

#include "mail/delivery.hpp"

namespace smtpd {

std::string read_prefix(const std::string& path, std::size_t max) {
    mail::File f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::string out;
    if (!f) return out;
    out.resize(max);
    std::size_t got = 0;
    while (got < max) {
        const auto n = ::read(f.get(), out.data() + got, max - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

std::string unique_boundary() {
    // RFC 2046 5.1.1: letters, digits and a few marks, at most 70 characters.
    std::string b = "netsuite-" + mail::unique_name();
    for (char& c : b)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    return b.substr(0, 70);
}

mail::Result<std::string> queue_report(const ReportJob& j) {
    const auto now = std::time(nullptr);
    auto recipients = wanted_reports(j.about, j.action, j.recipients);
    auto envelope = report_envelope(j.about, now);
    if (recipients.empty() || !envelope) return {{}, {}};
    std::string original = read_prefix(j.original_path, j.offset + kMaxReturned + 1);
    original.erase(0, std::min<std::size_t>(j.offset, original.size()));
    if (original.starts_with("Return-Path:")) original.erase(0, std::min(original.find('\n'), original.size() - 1) + 1);
    if (original.size() > kMaxReturned) original = std::string(header_of(original));
    const Report r{.action = j.action,
                   .reporting_mta = j.reporting_mta,
                   .envelope = &j.about,
                   .recipients = std::move(recipients),
                   .original = std::move(original),
                   .time = now,
                   .retry_until = j.retry_until,
                   .boundary = unique_boundary()};
    mail::Delivery d;
    if (auto ec = d.begin(mail::Maildir(j.queue_dir))) return {{}, ec};
    if (auto ec = d.write_stored(encode_envelope(*envelope))) return {{}, ec};
    if (auto ec = d.write_stored(report_message(r))) return {{}, ec};
    auto name = d.commit();
    if (name.error) return name;
    return {j.queue_dir + "/new/" + name.value, {}};
}

}  // namespace smtpd
