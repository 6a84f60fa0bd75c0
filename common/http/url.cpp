#include "http/url.hpp"

#include "http/message.hpp"
#include "http/text.hpp"

namespace http {

bool percent_decode(std::string_view in, std::string& out, bool plus_as_space) {
    out.reserve(out.size() + in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            if (in.size() - i < 3) return false;
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return true;
}

std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space) {
    std::string out;
    if (!percent_decode(in, out, plus_as_space)) return std::nullopt;
    return out;
}

std::string percent_encode(std::string_view in, bool encode_slash) {
    std::string out;
    out.reserve(in.size());
    for (unsigned char c : in) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !encode_slash);
        if (unreserved) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHexDigits[c >> 4]);
            out.push_back(kHexDigits[c & 15]);
        }
    }
    return out;
}

std::string_view target_path(std::string_view target) {
    target = target.substr(0, target.find('?'));
    // RFC 9112 3.2.2: absolute-form; the parser has taken the authority as the Host.
    for (std::string_view scheme : {"http://", "https://"}) {
        if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
            target.remove_prefix(scheme.size());
            const auto slash = target.find('/');
            return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        }
    }
    return target;
}

std::string_view target_query(std::string_view target) {
    const auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

QueryError parse_query(std::string_view query, QueryParams& out, QueryMode mode, std::size_t max_params) {
    out.storage_.clear();
    out.params_.clear();
    // Decoded bytes are never more than encoded ones: with this much reserved, decoding never
    // reallocates the storage, so the views taken along the way stay valid.
    out.storage_.reserve(query.size());
    const bool plus_as_space = mode == QueryMode::form;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) continue;
        if (out.params_.size() >= max_params) return QueryError::too_many;
        const auto eq = piece.find('=');
        const std::size_t key_at = out.storage_.size();
        if (!percent_decode(piece.substr(0, eq), out.storage_, plus_as_space)) return QueryError::bad_encoding;
        const std::size_t value_at = out.storage_.size();
        const bool has_value = eq != std::string_view::npos;
        if (has_value && !percent_decode(piece.substr(eq + 1), out.storage_, plus_as_space))
            return QueryError::bad_encoding;
        const std::string_view all = out.storage_;
        out.params_.push_back({all.substr(key_at, value_at - key_at), all.substr(value_at), has_value});
    }
    return QueryError::none;
}

std::optional<std::string_view> QueryParams::find(std::string_view key) const {
    for (const auto& p : params_)
        if (p.key == key) return p.value;
    return std::nullopt;
}

std::vector<std::string_view> QueryParams::find_all(std::string_view key) const {
    std::vector<std::string_view> v;
    for (const auto& p : params_)
        if (p.key == key) v.push_back(p.value);
    return v;
}

}  // namespace http
