// A temporary directory tree for tests that use real files (fs, httpd, mail, auth), removed with
// everything in it on destruction.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
    void mkdir(const std::string& rel) const { std::filesystem::create_directories(path(rel)); }
    void symlink(const std::string& target, const std::string& rel) const {
        std::filesystem::create_symlink(target, path(rel));
    }
    /// Sets a file's mtime explicitly (coarse clocks can give two writes the same time).
    void touch(const std::string& rel, long sec) const {
        struct timespec ts[2] = {{sec, 0}, {sec, 0}};
        ::utimensat(AT_FDCWD, path(rel).c_str(), ts, 0);
    }

private:
    std::string path_;
};

}  // namespace suite::test
