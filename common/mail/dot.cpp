#include "mail/dot.hpp"

#include <algorithm>

namespace mail {

// RFC 5321 4.5.2 and RFC 1939 3: a line of the text that begins with "." gets one more "."
// in front, so that "." alone on a line can only be the terminator.
bool DotStuffer::feed(std::string_view in, std::string& out) {
    std::size_t i = 0;
    while (i < in.size() && !done_) {
        const char c = in[i];
        if (pending_cr_) {
            pending_cr_ = false;
            if (c == '\n') {
                ++i;
                end_line(out);
                continue;
            }
            out.push_back('\r');  // a CR alone is content
            line_empty_ = false;
        }
        if (line_start_) {
            line_start_ = false;
            if (c == '.') out.push_back('.');
        }
        if (c == '\r' || c == '\n') {
            ++i;
            if (c == '\r') pending_cr_ = true;
            else end_line(out);
            continue;
        }
        std::size_t j = in.find_first_of("\r\n", i);
        if (j == std::string_view::npos) j = in.size();
        out.append(in.substr(i, j - i));
        line_empty_ = false;
        i = j;
    }
    return !done_;
}

// RFC 1939 7 (TOP): the header, the empty line after it, then `body_lines` lines of the body.
void DotStuffer::end_line(std::string& out) {
    out.append("\r\n");
    line_start_ = true;
    const bool was_empty = line_empty_;
    line_empty_ = true;
    if (!body_lines_) return;
    if (!in_body_) {
        if (was_empty) {
            in_body_ = true;
            done_ = *body_lines_ == 0;
        }
        return;
    }
    done_ = --*body_lines_ == 0;
}

void DotStuffer::finish(std::string& out) {
    if (pending_cr_) {
        pending_cr_ = false;
        out.push_back('\r');
        line_start_ = false;
    }
    if (!line_start_) out.append("\r\n");
    out.append(".\r\n");
    line_start_ = true;
}

std::string to_network(std::string_view text, std::optional<std::size_t> body_lines) {
    std::string out;
    out.reserve(text.size() + text.size() / 32 + 8);
    DotStuffer s(body_lines);
    s.feed(text, out);
    s.finish(out);
    return out;
}

void DotUnstuffer::emit(std::string& out, std::string_view s) {
    out.append(s);
    size_ += s.size();
    line_ += s.size();
}

void DotUnstuffer::newline(std::string& out, bool crlf) {
    out.append("\r\n");
    size_ += 2;
    longest_line_ = std::max(longest_line_, line_);
    line_ = 0;
    after_crlf_ = crlf;
    state_ = State::line_start;
}

// A CR or LF outside a CRLF pair (RFC 5321 2.3.8: "MUST NOT"). Counted for the caller, then
// kept as content or turned into a line end; either way it can never end the message.
void DotUnstuffer::bare(std::string& out, char c) {
    if (c == '\n') ++bare_lf_;
    else ++bare_cr_;
    if (mode_ == BareNewline::normalize) {
        newline(out, false);
        return;
    }
    emit(out, std::string_view(&c, 1));
    state_ = State::text;
}

// RFC 5321 4.5.2: remove the first "." of a line; "." alone on a line after a CRLF, itself
// ended by CRLF, ends the mail data (4.1.1.4). The states carry the part of a possible
// terminator seen so far, so a chunk may end anywhere.
UnstuffResult DotUnstuffer::feed(std::string_view in, std::string& out) {
    std::size_t i = 0;
    while (i < in.size() && state_ != State::complete) {
        const char c = in[i++];
        switch (state_) {
            case State::line_start:
                state_ = c == '.' ? State::dot : State::text;
                if (c != '.') --i;
                break;
            case State::dot:
                state_ = c == '\r' ? State::dot_cr : State::text;  // the dot is dropped either way
                if (c != '\r') --i;
                break;
            case State::dot_cr:
                if (c == '\n') {
                    if (after_crlf_) state_ = State::complete;
                    else newline(out, true);  // "." after a normalised bare newline: an empty line
                } else {
                    bare(out, '\r');
                    --i;
                }
                break;
            case State::text: {
                if (c == '\r') {
                    state_ = State::cr;
                    break;
                }
                if (c == '\n') {
                    bare(out, '\n');
                    break;
                }
                std::size_t j = in.find_first_of("\r\n", i);
                if (j == std::string_view::npos) j = in.size();
                emit(out, in.substr(i - 1, j - i + 1));
                i = j;
                break;
            }
            case State::cr:
                if (c == '\n') {
                    newline(out, true);
                } else {
                    bare(out, '\r');
                    --i;
                }
                break;
            case State::complete: break;
        }
    }
    return {i, state_ == State::complete};
}

}  // namespace mail
