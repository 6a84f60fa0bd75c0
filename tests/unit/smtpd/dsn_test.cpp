// The report builder (RFC 3464) for every kind, RET, ENVID/ORCPT, and RFC 3461's conditions.
#include "smtpd/dsn.hpp"

#include <gtest/gtest.h>

namespace smtpd {
namespace {

Envelope sample(Ret ret = Ret::hdrs) {
    return {.sender = "alice@crepes.fr",
            .arrival = 1764700000,
            .ret = ret,
            .envid = "id with space+plus",
            .utf8 = false,
            .rcpts = {{"bob@hamburger.edu", notify_failure, "rfc822;bob@hamburger.edu"}}};
}

Report report(Action a, const Envelope& e) {
    return {.action = a,
            .reporting_mta = "crepes.fr",
            .envelope = &e,
            .recipients = {{"bob@hamburger.edu", "rfc822;bob@hamburger.edu", "5.1.1", "mail.hamburger.edu",
                            "550 5.1.1 User unknown"}},
            .original = "Subject: hi\nFrom: a\n\nthe body\n",
            .time = 1764700000,
            .retry_until = 1765132000,
            .boundary = "BOUNDARY"};
}

bool has(const std::string& m, std::string_view s) { return m.find(s) != std::string::npos; }

TEST(Dsn, FailedNamesEveryField) {
    const Envelope e = sample();
    const std::string m = report_message(report(Action::failed, e));
    EXPECT_TRUE(has(m, "To: <alice@crepes.fr>\n"));
    EXPECT_TRUE(has(m, "Subject: Undelivered Mail Returned to Sender\n"));
    EXPECT_TRUE(has(m, "multipart/report; report-type=delivery-status;"));
    EXPECT_TRUE(has(m, "Original-Envelope-Id: id with space+plus\n"));
    EXPECT_TRUE(has(m,
                    "Original-Recipient: rfc822;bob@hamburger.edu\nFinal-Recipient: rfc822; bob@hamburger.edu\n"
                    "Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mail.hamburger.edu\n"
                    "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n"));
    EXPECT_FALSE(has(m, "Will-Retry-Until"));
    // RET=HDRS: the header only.
    EXPECT_TRUE(has(m, "text/rfc822-headers\n\nSubject: hi\nFrom: a\n\n"));
    EXPECT_FALSE(has(m, "the body"));
    EXPECT_TRUE(m.ends_with("--BOUNDARY--\n"));
}

TEST(Dsn, EachKindHasItsActionAndSubject) {
    const Envelope e = sample(Ret::full);
    const std::string delayed = report_message(report(Action::delayed, e));
    EXPECT_TRUE(has(delayed, "Subject: Delayed Mail (still being retried)\n"));
    EXPECT_TRUE(has(delayed, "Action: delayed\n"));
    EXPECT_TRUE(has(delayed, "Will-Retry-Until: Sun, 7 Dec 2025 18:26:40 +0000\n"));
    for (Action a : {Action::delivered, Action::relayed}) {
        const std::string m = report_message(report(a, e));
        EXPECT_TRUE(has(m, "Subject: Successful Mail Delivery Report\n"));
        EXPECT_TRUE(has(m, "Action: " + std::string(to_string(a)) + "\n"));
        EXPECT_FALSE(has(m, "Will-Retry-Until"));
    }
    Report ok = report(Action::delivered, e);
    ok.recipients = {{"bob@hamburger.edu", "", "2.0.0", "", ""}};
    const std::string m = report_message(ok);
    EXPECT_TRUE(has(m,
                    "\nFinal-Recipient: rfc822; bob@hamburger.edu\nAction: delivered\nStatus: 2.0.0\n"
                    "Last-Attempt-Date:"));
    EXPECT_FALSE(has(m, "Original-Recipient"));
    EXPECT_FALSE(has(m, "Diagnostic-Code"));
    EXPECT_FALSE(has(m, "Remote-MTA"));
}

TEST(Dsn, RetDecidesWhatIsReturned) {
    for (Action a : {Action::failed, Action::delayed, Action::delivered, Action::relayed}) {
        const Envelope full = sample(Ret::full), hdrs = sample(Ret::hdrs), unset = sample(Ret::unset);
        EXPECT_TRUE(has(report_message(report(a, full)), "message/rfc822\n\nSubject: hi\nFrom: a\n\nthe body\n"));
        EXPECT_FALSE(has(report_message(report(a, hdrs)), "the body"));
        // No RET: the whole message in failures only (as Postfix).
        EXPECT_EQ(has(report_message(report(a, unset)), "the body"), a == Action::failed);
        EXPECT_EQ(returns_full(a, Ret::unset), a == Action::failed);
    }
    const Envelope e = sample(Ret::unset);
    EXPECT_FALSE(has(report_message(report(Action::failed, sample(Ret::hdrs))), "message/rfc822"));
    EXPECT_TRUE(has(report_message(report(Action::delayed, e)), "text/rfc822-headers"));
}

TEST(Dsn, NoEnvidNoField) {
    Envelope e = sample();
    e.envid.clear();
    e.utf8 = true;
    const std::string m = report_message(report(Action::failed, e));
    EXPECT_FALSE(has(m, "Original-Envelope-Id"));
    EXPECT_TRUE(has(m, "Final-Recipient: utf-8; bob@hamburger.edu\n"));  // RFC 6533 3
}

TEST(Dsn, NotifyDecidesWhichReports) {
    EXPECT_TRUE(wants_report(notify_unset, Action::failed));
    EXPECT_TRUE(wants_report(notify_unset, Action::delayed));
    EXPECT_FALSE(wants_report(notify_unset, Action::delivered));
    EXPECT_FALSE(wants_report(notify_unset, Action::relayed));
    for (Action a : {Action::failed, Action::delayed, Action::delivered, Action::relayed})
        EXPECT_FALSE(wants_report(notify_never, a));
    EXPECT_TRUE(wants_report(notify_success, Action::delivered));
    EXPECT_TRUE(wants_report(notify_success, Action::relayed));
    EXPECT_FALSE(wants_report(notify_success, Action::failed));
    EXPECT_FALSE(wants_report(notify_success, Action::delayed));
    EXPECT_TRUE(wants_report(notify_success | notify_delay, Action::delayed));
    EXPECT_FALSE(wants_report(notify_failure, Action::delayed));
}

TEST(Dsn, WantedReportsFiltersByNotifyAndNullSender) {
    Envelope e = sample();
    e.rcpts = {{"a@x", notify_success, ""}, {"b@x", notify_never, ""}, {"c@x", notify_unset, ""}};
    const std::vector<ReportedRecipient> all{{"a@x"}, {"b@x"}, {"c@x"}, {"stranger@x"}};
    auto ok = wanted_reports(e, Action::delivered, all);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].address, "a@x");
    auto failed = wanted_reports(e, Action::failed, all);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].address, "c@x");
    // Never a report about a report (RFC 3461 6.2, RFC 5321 6.1).
    e.sender.clear();
    EXPECT_TRUE(wanted_reports(e, Action::failed, all).empty());
    EXPECT_FALSE(report_envelope(e, 1));
}

TEST(Dsn, ReportsGoFromTheNullSender) {
    const Envelope e = sample();
    auto r = report_envelope(e, 1764700100);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->sender, "");
    EXPECT_EQ(r->arrival, 1764700100);
    ASSERT_EQ(r->rcpts.size(), 1u);
    EXPECT_EQ(r->rcpts[0].address, "alice@crepes.fr");
    EXPECT_EQ(r->rcpts[0].notify, notify_never);
}

TEST(Dsn, StatusOfReplies) {
    EXPECT_EQ(status_of("550 5.1.1 User unknown"), "5.1.1");
    EXPECT_EQ(status_of("554 no code"), "5.0.0");
    EXPECT_EQ(status_of("451 try later"), "4.0.0");
    EXPECT_EQ(status_of("250 2.0.0 Ok"), "2.0.0");
    EXPECT_EQ(status_of("250 Ok"), "2.0.0");
    EXPECT_EQ(header_of("A: b\n\nbody"), "A: b\n\n");
}

}  // namespace
}  // namespace smtpd
