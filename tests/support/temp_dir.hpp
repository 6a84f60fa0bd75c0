// A temporary directory for tests that use real files, removed with everything in it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace suite::test {

class TempDir {
public:
    explicit TempDir(const std::string& prefix = "suite-test") {
        std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    /// The directory, or `rel` inside it.
    [[nodiscard]] std::string path(const std::string& rel = "") const {
        return rel.empty() ? path_ : path_ + "/" + rel;
    }
    /// Writes `data` to `rel` (parents created); returns its path.
    std::string write(const std::string& rel, const std::string& data) const {
        std::filesystem::create_directories(std::filesystem::path(path(rel)).parent_path());
        std::ofstream(path(rel), std::ios::binary | std::ios::trunc) << data;
        return path(rel);
    }
    [[nodiscard]] std::string read(const std::string& rel) const {
        std::ifstream in(path(rel), std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }

private:
    std::string path_;
};

}  // namespace suite::test
