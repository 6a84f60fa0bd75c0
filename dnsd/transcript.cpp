#include "dnsd/transcript.hpp"

namespace dnsd {

std::string question_text(const Outcome& oc) {
    return dns::type_to_string(oc.qtype) + " " + (oc.qname.empty() ? "?" : oc.qname);
}

std::string result_text(const Outcome& oc) {
    if (oc.action == Action::drop) return "dropped";
    if (oc.action == Action::axfr) return "AXFR";
    std::string s =
        dns::rcode_to_string(oc.rcode) + " " + std::to_string(oc.answers) + (oc.answers == 1 ? " answer" : " answers");
    if (oc.truncated) s += " TC";
    return s;
}

std::string summary(const Outcome& oc) { return "Q: " + question_text(oc) + " -> " + result_text(oc); }

}  // namespace dnsd
