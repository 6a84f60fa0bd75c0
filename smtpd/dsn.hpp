// Delivery status notifications (RFC 3464) for failed relay deliveries: the bounce message
// sent to the sender from the null reverse-path. Pure.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "smtpd/envelope.hpp"

namespace smtpd {

/// One recipient the bounce reports.
struct FailedRecipient {
    std::string address{};
    std::string orcpt{};       ///< ORCPT as given ("rfc822;bob@hamburger.edu"), or ""
    std::string status{};      ///< RFC 3463 code, "5.1.1"
    std::string remote_mta{};  ///< "mail.hamburger.edu" when a server answered
    std::string diagnostic{};  ///< the server's reply, "550 5.1.1 User unknown", or our reason
};

/// What a bounce says.
struct Bounce {
    std::string reporting_mta{};  ///< our host name
    const Envelope* envelope = nullptr;
    std::vector<FailedRecipient> failed{};
    std::string original{};  ///< the returned message (stored form): whole, or its header (RET=HDRS)
    std::time_t time = 0;
    std::string boundary{};  ///< the MIME boundary (unique per message)
};

/// The bounce in stored form (LF line ends): From MAILER-DAEMON, To the sender,
/// multipart/report with a human-readable part, message/delivery-status and the original
/// (text/rfc822-headers for RET=HDRS).
[[nodiscard]] std::string bounce_message(const Bounce& b);

/// The header block of a stored message (up to and including the empty line).
[[nodiscard]] std::string_view header_of(std::string_view stored);

/// A status code ("5.1.1") from an SMTP reply ("550 5.1.1 User unknown"), or the class default
/// ("5.0.0" / "4.0.0") when the reply has none.
[[nodiscard]] std::string status_of(std::string_view reply);

}  // namespace smtpd
