// Delivery status notifications (RFC 3464 format, RFC 3461 conditions): one report builder for
// every kind (failed, delayed, delivered, relayed), sent to the sender from the null
// reverse-path. Pure.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpd/envelope.hpp"

namespace smtpd {

/// The Action field of a report (RFC 3464 2.3.3); one kind per report.
enum class Action : std::uint8_t { failed, delayed, delivered, relayed };

/// "failed", "delayed", "delivered", "relayed".
[[nodiscard]] std::string_view to_string(Action a);

/// One recipient a report names.
struct ReportedRecipient {
    std::string address{};
    std::string orcpt{};       ///< ORCPT as given ("rfc822;bob@hamburger.edu"), or ""
    std::string status{};      ///< RFC 3463 code, "5.1.1"
    std::string remote_mta{};  ///< "mail.hamburger.edu" when a server answered
    std::string diagnostic{};  ///< the server's reply, "550 5.1.1 User unknown", or our reason ("" = none)
};

/// What a report says.
struct Report {
    Action action = Action::failed;
    std::string reporting_mta{};  ///< our host name
    const Envelope* envelope = nullptr;
    std::vector<ReportedRecipient> recipients{};
    std::string original{};  ///< the returned message (stored form): whole, or its header
    std::time_t time = 0;
    std::time_t retry_until = 0;  ///< delayed: Will-Retry-Until (0 = not given)
    std::string boundary{};       ///< the MIME boundary (unique per message)
};

/// The report in stored form (LF line ends): From MAILER-DAEMON, To the sender,
/// multipart/report with a human-readable part, message/delivery-status and the original
/// (message/rfc822 when returns_full(), else text/rfc822-headers).
[[nodiscard]] std::string report_message(const Report& r);

/// Whether a report of kind `a` returns the whole message: RET=FULL always, RET=HDRS never,
/// no RET only for failures (as Postfix: success and delay reports carry the headers).
[[nodiscard]] bool returns_full(Action a, Ret ret);

/// Whether a recipient with NOTIFY bits `notify` asked for a report of kind `a` (RFC 3461 4.1):
/// NEVER none; no NOTIFY means FAILURE,DELAY (RFC 3461 4.1 leaves it to the MTA; Postfix's
/// choice).
[[nodiscard]] bool wants_report(std::uint8_t notify, Action a);

/// The recipients of `rs` whose NOTIFY in `e` asks for kind `a`; empty when the sender is the
/// null reverse-path (RFC 5321 6.1, RFC 3461 6.2: never a report about a report).
[[nodiscard]] std::vector<ReportedRecipient> wanted_reports(const Envelope& e, Action a,
                                                            std::vector<ReportedRecipient> rs);

/// The queue envelope of a report about `e`: null sender, one recipient (e's sender) with
/// NOTIFY=NEVER. nullopt when e's sender is null.
[[nodiscard]] std::optional<Envelope> report_envelope(const Envelope& e, std::time_t now);

/// The header block of a stored message (up to and including the empty line).
[[nodiscard]] std::string_view header_of(std::string_view stored);

/// A status code ("5.1.1") from an SMTP reply ("550 5.1.1 User unknown"), or the class default
/// ("5.0.0" / "4.0.0" / "2.0.0") when the reply has none.
[[nodiscard]] std::string status_of(std::string_view reply);

}  // namespace smtpd
