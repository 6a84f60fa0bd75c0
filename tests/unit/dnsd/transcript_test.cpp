#include "dnsd/transcript.hpp"

#include <gtest/gtest.h>

namespace dnsd {
namespace {

Outcome outcome(Action a, std::uint16_t rcode, std::uint16_t answers, bool tc = false) {
    Outcome oc;
    oc.action = a;
    oc.rcode = rcode;
    oc.answers = answers;
    oc.truncated = tc;
    oc.qtype = dns::type::A;
    oc.qname = "www.hamburger.edu.";
    return oc;
}

TEST(Transcript, SummaryWording) {
    EXPECT_EQ(summary(outcome(Action::reply, dns::rcode::NOERROR, 2)), "Q: A www.hamburger.edu. -> NOERROR 2 answers");
    EXPECT_EQ(result_text(outcome(Action::reply, dns::rcode::NOERROR, 1)), "NOERROR 1 answer");
    EXPECT_EQ(result_text(outcome(Action::reply, dns::rcode::NXDOMAIN, 0, true)), "NXDOMAIN 0 answers TC");
    EXPECT_EQ(result_text(outcome(Action::reply, dns::rcode::BADVERS, 0)), "BADVERS 0 answers");  // 12-bit rcode
    EXPECT_EQ(result_text(outcome(Action::drop, 0, 0)), "dropped");
    EXPECT_EQ(result_text(outcome(Action::axfr, 0, 0)), "AXFR");
}

TEST(Transcript, QuestionWithoutAName) {
    Outcome oc;
    oc.qtype = 65280;
    EXPECT_EQ(question_text(oc), "TYPE65280 ?");
}

}  // namespace
}  // namespace dnsd
