// httpd's request policy: any bytes parsed as a request (head, then body), answered by a Site
// over a small tree (files, a directory, a vhost, a writable upload directory, a form), as
// the driver would: refuse_early, else handle. Checked: a sane status, a file body inside
// its file, 206 with a Content-Range, and the file outside the root never served or changed.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "http/exchange.hpp"
#include "http/parser.hpp"
#include "httpd/site.hpp"

namespace {

namespace stdfs = std::filesystem;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "httpd_site: %s\n", what);
    std::abort();
}

void write(const stdfs::path& p, std::string_view data) {
    stdfs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
}

// The file outside the root is larger than cache_file_max, so serving it could only be a
// file body: it is recognised by its inode (the fuzzer can make any body text, through a
// form or a PUT, but not that file).
const std::string kSecret(4096, 's');

struct Tree {
    stdfs::path root;
    std::unique_ptr<httpd::Site> site;
    ino_t secret_ino = 0;
    Tree() {
        remove_stale_trees();
        root = stdfs::temp_directory_path() / ("fuzz-httpd-" + std::to_string(::getpid()));
        std::error_code ec;
        stdfs::remove_all(root, ec);
        if (!stdfs::create_directory(root, ec)) fail("create the tree");
        write(root / "www/index.html", "<h1>home</h1>");
        write(root / "www/a.txt", "0123456789");
        write(root / "www/big.bin", std::string(100000, 'b'));  // above cache_file_max: a file body
        write(root / "www/dir/b.html", "<p>b</p>");
        write(root / "school/home.index", "school");
        write(root / "outside/secret", kSecret);
        write(root / "mime.types", "text/html html index\ntext/plain txt\n");
        stdfs::create_symlink(root / "outside/secret", root / "www/escape");
        struct stat st {};
        if (::stat((root / "outside/secret").c_str(), &st) != 0) fail("stat");
        secret_ino = st.st_ino;
        reset_upload();
        httpd::Config cfg;
        cfg.root = (root / "www").string();
        cfg.mime_types = (root / "mime.types").string();
        cfg.writable = {"/upload/"};
        cfg.forms = {"/form"};
        cfg.listing = true;
        cfg.cache_file_max = 1024;
        cfg.vhosts = {{{"school.edu"}, (root / "school").string()}};
        site = std::make_unique<httpd::Site>(cfg);
    }
    ~Tree() {
        site.reset();
        std::error_code ec;
        stdfs::remove_all(root, ec);
    }
    Tree(const Tree&) = delete;
    Tree& operator=(const Tree&) = delete;
    // libFuzzer ends a timed run with _Exit, skipping destructors: the trees of processes
    // that are gone are removed by the next run.
    static void remove_stale_trees() {
        std::error_code ec;
        for (const auto& e : stdfs::directory_iterator(stdfs::temp_directory_path(), ec)) {
            const std::string name = e.path().filename().string();
            if (!name.starts_with("fuzz-httpd-")) continue;
            const long pid = std::strtol(name.c_str() + 11, nullptr, 10);
            if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) stdfs::remove_all(e.path(), ec);
        }
    }
    // PUTs accumulate files: start the upload directory afresh now and then.
    void reset_upload() const {
        std::error_code ec;
        stdfs::remove_all(root / "www/upload", ec);
        write(root / "www/upload/u.txt", "upload");
    }
};

void check(const Tree& tree, const http::Response& r) {
    if (r.status < 100 || r.status > 599) fail("status out of range");
    if (r.file) {
        struct stat st {};
        if (::fstat(r.file.get(), &st) != 0 || r.file_offset + r.file_length > static_cast<std::uint64_t>(st.st_size))
            fail("file body outside its file");
        if (st.st_ino == tree.secret_ino) fail("served the file outside the root");
    }
    if (r.status == 206 && r.fields.find("Content-Range: bytes ") == std::string::npos)
        fail("206 without Content-Range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Tree tree;
    static const http::Peer peer{"192.0.2.7", 40000};
    static unsigned runs = 0;
    if (++runs % 512 == 0) tree.reset_upload();

    const std::string_view in(reinterpret_cast<const char*>(data), size);
    http::RequestParser parser({.max_request_line = 4096, .max_header_bytes = 8192, .max_headers = 32});
    const auto pr = parser.parse(in);
    if (pr.status != http::ParseStatus::complete) return 0;
    const http::ServerRequest rq{parser.request(), in.substr(pr.consumed), peer, 1, 1};
    http::Response resp;
    if (rq.head.body == http::BodyKind::none || !tree.site->refuse_early(rq, resp)) {
        resp.clear();
        tree.site->handle(rq, resp);
    }
    check(tree, resp);
    // The file outside the root is never replaced or removed.
    std::ifstream secret(tree.root / "outside/secret", std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(secret)), {});
    if (s != kSecret) fail("changed the file outside the root");
    return 0;
}
