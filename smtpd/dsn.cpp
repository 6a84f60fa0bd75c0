#include "smtpd/dsn.hpp"

#include "mail/rfc5322.hpp"

namespace smtpd {

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
    return !reply.empty() && reply[0] == '4' ? "4.0.0" : "5.0.0";
}

std::string bounce_message(const Bounce& b) {
    const Envelope& e = *b.envelope;
    const std::string date = mail::format_date(b.time, 0);
    std::string m;
    m += "From: Mail Delivery System <MAILER-DAEMON@" + b.reporting_mta + ">\n";
    m += "To: <" + e.sender + ">\n";
    m += "Subject: Undelivered Mail Returned to Sender\n";
    m += "Date: " + date + "\n";
    m += "Auto-Submitted: auto-replied\n";  // RFC 3834 5: never answered automatically again
    m += "MIME-Version: 1.0\n";
    m += "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"" + b.boundary + "\"\n\n";
    m += "This is a MIME-encapsulated message.\n\n--" + b.boundary + "\n";
    m += "Content-Type: text/plain; charset=us-ascii\n\n";
    m += "This is the mail system at host " + b.reporting_mta + ".\n\n";
    m += "Your message could not be delivered to one or more recipients:\n\n";
    for (const auto& f : b.failed) m += "<" + f.address + ">: " + f.diagnostic + "\n";
    m += "\n--" + b.boundary + "\nContent-Type: message/delivery-status\n\n";
    // RFC 3464 2.2: per-message fields, then a block per recipient.
    if (!e.envid.empty()) m += "Original-Envelope-Id: " + e.envid + "\n";
    m += "Reporting-MTA: dns; " + b.reporting_mta + "\n";
    m += "Arrival-Date: " + mail::format_date(e.arrival, 0) + "\n";
    for (const auto& f : b.failed) {
        m += "\n";
        if (!f.orcpt.empty()) m += "Original-Recipient: " + f.orcpt + "\n";
        m += (e.utf8 ? "Final-Recipient: utf-8; " : "Final-Recipient: rfc822; ") + f.address + "\n";
        m += "Action: failed\n";
        m += "Status: " + f.status + "\n";
        if (!f.remote_mta.empty()) m += "Remote-MTA: dns; " + f.remote_mta + "\n";
        m += "Diagnostic-Code: smtp; " + f.diagnostic + "\n";
        m += "Last-Attempt-Date: " + date + "\n";
    }
    const bool headers_only = e.ret == Ret::hdrs;
    m += "\n--" + b.boundary + "\n";
    m += headers_only ? "Content-Type: text/rfc822-headers\n\n" : "Content-Type: message/rfc822\n\n";
    m += headers_only ? std::string(header_of(b.original)) : b.original;
    if (!m.ends_with("\n")) m += "\n";
    m += "\n--" + b.boundary + "--\n";
    return m;
}

}  // namespace smtpd
