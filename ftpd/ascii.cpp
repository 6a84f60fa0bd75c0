#include "ftpd/ascii.hpp"

namespace ftpd {

void AsciiEncoder::encode(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size() + in.size() / 32);
    std::size_t start = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\n') continue;
        const bool cr_before = i > 0 ? in[i - 1] == '\r' : last_cr_;
        out.append(in, start, i - start);
        out += cr_before ? "\n" : "\r\n";
        start = i + 1;
    }
    out.append(in, start);
    if (!in.empty()) last_cr_ = in.back() == '\r';
}

void AsciiDecoder::decode(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size());
    for (char ch : in) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (ch != '\n') out += '\r';  // a bare CR is content
        }
        if (ch == '\r') pending_cr_ = true;
        else out += ch;
    }
}

void AsciiDecoder::finish(std::string& out) {
    if (pending_cr_) out += '\r';
    pending_cr_ = false;
}

}  // namespace ftpd
