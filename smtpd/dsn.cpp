#include "smtpd/dsn.hpp"

#include "mail/rfc5322.hpp"

namespace smtpd {

namespace {

struct Wording {
    std::string_view action;   // the Action field
    std::string_view subject;  // Postfix's subjects, which users know
    std::string_view intro;    // the human-readable part's first sentence
};

Wording wording(Action a) {
    switch (a) {
        case Action::failed:
            return {"failed", "Undelivered Mail Returned to Sender",
                    "Your message could not be delivered to one or more recipients:"};
        case Action::delayed:
            return {"delayed", "Delayed Mail (still being retried)",
                    "Your message could not be delivered yet to one or more recipients;\n"
                    "it will be retried until the time given below. Nothing needs to be done:"};
        case Action::delivered:
            return {"delivered", "Successful Mail Delivery Report",
                    "Your message was delivered to the mailbox of these recipients:"};
        case Action::relayed:
            return {"relayed", "Successful Mail Delivery Report",
                    "Your message was passed on to a mail server that sends no delivery reports\n"
                    "for these recipients; this is the last report you will get:"};
    }
    return {};
}

}  // namespace

std::string_view to_string(Action a) { return wording(a).action; }

std::string_view header_of(std::string_view stored) {
    if (stored.starts_with("\n")) return stored.substr(0, 1);
    const auto end = stored.find("\n\n");
    return end == std::string_view::npos ? stored : stored.substr(0, end + 2);
}

std::string status_of(std::string_view reply) {
    // "550 5.1.1 ..." : class.subject.detail after the basic code (RFC 3463 2).
    if (reply.size() >= 9 && reply[3] == ' ' && (reply[4] == '2' || reply[4] == '4' || reply[4] == '5') &&
        reply[5] == '.') {
        const auto end = std::min(reply.find(' ', 4), reply.size());
        return std::string(reply.substr(4, end - 4));
    }
    if (!reply.empty() && reply[0] == '2') return "2.0.0";
    return !reply.empty() && reply[0] == '4' ? "4.0.0" : "5.0.0";
}

bool returns_full(Action a, Ret ret) {
    if (ret != Ret::unset) return ret == Ret::full;
    return a == Action::failed;
}

bool wants_report(std::uint8_t notify, Action a) {
    if (notify & notify_never) return false;
    switch (a) {
        case Action::failed: return notify == notify_unset || (notify & notify_failure) != 0;
        case Action::delayed: return notify == notify_unset || (notify & notify_delay) != 0;
        case Action::delivered:
        case Action::relayed: return (notify & notify_success) != 0;
    }
    return false;
}

std::vector<ReportedRecipient> wanted_reports(const Envelope& e, Action a, std::vector<ReportedRecipient> rs) {
    if (e.sender.empty()) return {};
    std::erase_if(rs, [&](const ReportedRecipient& r) {
        for (const auto& q : e.rcpts)
            if (q.address == r.address) return !wants_report(q.notify, a);
        return true;
    });
    return rs;
}

std::optional<Envelope> report_envelope(const Envelope& e, std::time_t now) {
    if (e.sender.empty()) return std::nullopt;
    Envelope r{.sender = "", .arrival = now, .rcpts = {{e.sender, notify_never, ""}}};
    r.utf8 = e.utf8;
    return r;
}

std::string report_message(const Report& r) {
    const Envelope& e = *r.envelope;
    const Wording w = wording(r.action);
    const std::string date = mail::format_date(r.time, 0);
    std::string m;
    m += "From: Mail Delivery System <MAILER-DAEMON@" + r.reporting_mta + ">\n";
    m += "To: <" + e.sender + ">\n";
    m += "Subject: " + std::string(w.subject) + "\n";
    m += "Date: " + date + "\n";
    m += "Auto-Submitted: auto-replied\n";  // RFC 3834 5: never answered automatically again
    m += "MIME-Version: 1.0\n";
    m += "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"" + r.boundary + "\"\n\n";
    m += "This is a MIME-encapsulated message.\n\n--" + r.boundary + "\n";
    m += "Content-Type: text/plain; charset=us-ascii\n\n";
    m += "This is the mail system at host " + r.reporting_mta + ".\n\n";
    m += std::string(w.intro) + "\n\n";
    for (const auto& f : r.recipients)
        m += "<" + f.address + ">" + (f.diagnostic.empty() ? "" : ": " + f.diagnostic) + "\n";
    m += "\n--" + r.boundary + "\nContent-Type: message/delivery-status\n\n";
    // RFC 3464 2.2: per-message fields, then a block per recipient.
    if (!e.envid.empty()) m += "Original-Envelope-Id: " + e.envid + "\n";
    m += "Reporting-MTA: dns; " + r.reporting_mta + "\n";
    m += "Arrival-Date: " + mail::format_date(e.arrival, 0) + "\n";
    for (const auto& f : r.recipients) {
        m += "\n";
        if (!f.orcpt.empty()) m += "Original-Recipient: " + f.orcpt + "\n";
        m += (e.utf8 ? "Final-Recipient: utf-8; " : "Final-Recipient: rfc822; ") + f.address + "\n";
        m += "Action: " + std::string(w.action) + "\n";
        m += "Status: " + f.status + "\n";
        if (!f.remote_mta.empty()) m += "Remote-MTA: dns; " + f.remote_mta + "\n";
        if (!f.diagnostic.empty()) m += "Diagnostic-Code: smtp; " + f.diagnostic + "\n";
        m += "Last-Attempt-Date: " + date + "\n";
        // RFC 3464 2.3.9: only in delayed reports.
        if (r.action == Action::delayed && r.retry_until != 0)
            m += "Will-Retry-Until: " + mail::format_date(r.retry_until, 0) + "\n";
    }
    const bool full = returns_full(r.action, e.ret);
    m += "\n--" + r.boundary + "\n";
    m += full ? "Content-Type: message/rfc822\n\n" : "Content-Type: text/rfc822-headers\n\n";
    m += full ? r.original : std::string(header_of(r.original));
    if (!m.ends_with("\n")) m += "\n";
    m += "\n--" + r.boundary + "--\n";
    return m;
}

}  // namespace smtpd
