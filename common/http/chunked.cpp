#include "http/chunked.hpp"

#include "http/text.hpp"

namespace http {

int status_for(ChunkError e) {
    switch (e) {
        case ChunkError::body_too_large: return 413;
        case ChunkError::trailer_too_large: return 431;
        default: return 400;
    }
}

void ChunkedDecoder::reset() {
    state_ = State::size;
    remaining_ = total_ = 0;
    digits_ = line_ = trailer_ = trailer_line_ = 0;
}

ChunkResult ChunkedDecoder::decode(std::string_view in) {
    std::size_t i = 0;
    while (i < in.size()) {
        const char c = in[i];
        switch (state_) {
            case State::size: {
                // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
                if (++line_ > limits_.max_line) return fail(i, ChunkError::chunk_line_too_long);
                const int h = hex_value(c);
                if (h >= 0) {
                    if (++digits_ > 15) return fail(i, ChunkError::bad_chunk_size);
                    remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(h);
                    ++i;
                    break;
                }
                if (digits_ == 0) return fail(i, ChunkError::bad_chunk_size);
                if (c == '\r') state_ = State::size_lf;
                else if (c == ';' || c == ' ' || c == '\t') state_ = State::ext;
                else return fail(i, ChunkError::bad_chunk_size);
                ++i;
                if (state_ == State::size_lf && total_ + remaining_ > limits_.max_body)
                    return fail(i, ChunkError::body_too_large);
                break;
            }
            case State::ext:
                if (++line_ > limits_.max_line) return fail(i, ChunkError::chunk_line_too_long);
                if (c == '\r') {
                    if (total_ + remaining_ > limits_.max_body) return fail(i, ChunkError::body_too_large);
                    state_ = State::size_lf;
                } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
                    return fail(i, ChunkError::bad_chunk_extension);
                }
                ++i;
                break;
            case State::size_lf:
                if (c != '\n') return fail(i, ChunkError::bad_line_ending);
                ++i;
                line_ = digits_ = 0;
                state_ = remaining_ == 0 ? State::trailer : State::data;
                break;
            case State::data: {
                const std::size_t avail = in.size() - i;
                const std::size_t n = remaining_ < avail ? static_cast<std::size_t>(remaining_) : avail;
                remaining_ -= n;
                total_ += n;
                if (remaining_ == 0) state_ = State::data_cr;
                return {ChunkStatus::data, i + n, in.substr(i, n), ChunkError::none};
            }
            case State::data_cr:
                if (c != '\r') return fail(i, ChunkError::bad_line_ending);
                ++i;
                state_ = State::data_lf;
                break;
            case State::data_lf:
                if (c != '\n') return fail(i, ChunkError::bad_line_ending);
                ++i;
                state_ = State::size;
                break;
            case State::trailer:
                // trailer-section = *( field-line CRLF ) CRLF
                if (++trailer_ > limits_.max_trailer) return fail(i, ChunkError::trailer_too_large);
                if (c == '\r') {
                    state_ = trailer_line_ == 0 ? State::final_lf : State::trailer_lf;
                } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
                    return fail(i, ChunkError::bad_trailer);
                } else {
                    ++trailer_line_;
                }
                ++i;
                break;
            case State::trailer_lf:
                if (++trailer_ > limits_.max_trailer) return fail(i, ChunkError::trailer_too_large);
                if (c != '\n') return fail(i, ChunkError::bad_line_ending);
                ++i;
                trailer_line_ = 0;
                state_ = State::trailer;
                break;
            case State::final_lf:
                if (++trailer_ > limits_.max_trailer) return fail(i, ChunkError::trailer_too_large);
                if (c != '\n') return fail(i, ChunkError::bad_line_ending);
                state_ = State::done;
                return {ChunkStatus::done, i + 1, {}, ChunkError::none};
            case State::done: return {ChunkStatus::done, i, {}, ChunkError::none};
            case State::error: return {ChunkStatus::error, i, {}, ChunkError::bad_chunk_size};
        }
    }
    if (state_ == State::done) return {ChunkStatus::done, i, {}, ChunkError::none};
    if (state_ == State::error) return {ChunkStatus::error, i, {}, ChunkError::bad_chunk_size};
    return {ChunkStatus::need_more, i, {}, ChunkError::none};
}

}  // namespace http
