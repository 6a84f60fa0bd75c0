#include "httpd/path.hpp"

#include "http/url.hpp"

namespace httpd {

int status_for(PathError e) {
    switch (e) {
        case PathError::none: return 200;
        case PathError::forbidden: return 403;
        default: return 400;
    }
}

SafePath resolve_path(std::string_view encoded) {
    SafePath out;
    if (encoded.empty() || encoded.front() != '/') {
        out.error = PathError::not_absolute;
        return out;
    }
    std::string decoded;
    if (!http::percent_decode(encoded, decoded)) {
        out.error = PathError::bad_encoding;
        return out;
    }
    // Decoding first means %2e%2e and %2f are judged as what they name ("..", "/").
    if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) {
        out.error = PathError::forbidden;
        return out;
    }
    out.url.reserve(decoded.size());
    std::string_view rest(decoded);
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const std::string_view seg = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (seg.empty() || seg == ".") continue;
        if (seg == "..") {
            out.error = PathError::forbidden;
            return out;
        }
        out.url.push_back('/');
        out.url.append(seg);
    }
    const bool trailing = decoded.back() == '/' || decoded.ends_with("/.") || out.url.empty();
    if (trailing) out.url.push_back('/');
    out.directory = trailing;
    out.relative = out.url.substr(1);
    return out;
}

}  // namespace httpd
