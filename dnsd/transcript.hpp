// The wording of dnsd's transcript lines (--trace): one decoded summary per query.
#pragma once

#include <string>

#include "dnsd/query.hpp"

namespace dnsd {

/// "A www.hamburger.edu." ("?" for a query without a readable question).
[[nodiscard]] std::string question_text(const Outcome& oc);
/// "NOERROR 2 answers", "NXDOMAIN 0 answers TC", "dropped", "AXFR".
[[nodiscard]] std::string result_text(const Outcome& oc);
/// "Q: A www.hamburger.edu. -> NOERROR 2 answers" (one line per UDP exchange).
[[nodiscard]] std::string summary(const Outcome& oc);

}  // namespace dnsd
