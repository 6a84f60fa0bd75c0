#include "httpd/files.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "support/temp_dir.hpp"

using namespace httpd;
using suite::test::TempDir;

namespace {
struct Fixture {
    TempDir dir;
    int root = -1;
    MimeTypes mime;
    Fixture() {
        dir.mkdir("www/sub");
        dir.mkdir("outside");
        dir.write("www/a.txt", "hello");
        dir.write("www/sub/b.html", "<p>b</p>");
        dir.write("outside/secret", "secret");
        dir.symlink(dir.path("outside/secret"), "www/escape");
        dir.symlink(dir.path("outside"), "www/escdir");
        dir.symlink("sub/b.html", "www/inside");
        root = ::open(dir.path("www").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        mime.parse("text/plain txt\ntext/html html\n");
    }
    ~Fixture() { ::close(root); }
};
}  // namespace

TEST(Files, CacheHitsAndRevalidates) {
    Fixture f;
    FileCache cache(16, 1024, f.mime, "application/octet-stream");
    auto r1 = cache.get(f.root, 0, "a.txt", true);
    ASSERT_EQ(r1.error, 0);
    EXPECT_TRUE(r1.meta->regular);
    EXPECT_TRUE(r1.meta->has_data);
    EXPECT_EQ(r1.meta->data, "hello");
    EXPECT_EQ(r1.meta->content_type, "text/plain");
    EXPECT_FALSE(r1.fd);  // in memory: no descriptor needed
    auto r2 = cache.get(f.root, 0, "a.txt", true);
    EXPECT_EQ(r2.meta.get(), r1.meta.get());  // a hit
    // Same size, new content and mtime: a miss with the new bytes.
    f.dir.write("www/a.txt", "world");
    f.dir.touch("www/a.txt", 1000000);
    auto r3 = cache.get(f.root, 0, "a.txt", true);
    ASSERT_EQ(r3.error, 0);
    EXPECT_NE(r3.meta.get(), r1.meta.get());
    EXPECT_EQ(r3.meta->data, "world");
    EXPECT_NE(r3.meta->etag, r1.meta->etag);
    // Replaced by a symlink that leaves the root: refused, not served from the cache.
    ::unlink(f.dir.path("www/a.txt").c_str());
    f.dir.symlink(f.dir.path("outside/secret"), "www/a.txt");
    EXPECT_EQ(cache.get(f.root, 0, "a.txt", true).error, EXDEV);
    ::unlink(f.dir.path("www/a.txt").c_str());
    EXPECT_EQ(cache.get(f.root, 0, "a.txt", true).error, ENOENT);
}

TEST(Files, LargeFilesComeWithADescriptor) {
    Fixture f;
    f.dir.write("www/big.bin", std::string(2000, 'x'));
    FileCache cache(16, 1024, f.mime, "application/octet-stream");
    auto r = cache.get(f.root, 0, "big.bin", true);
    ASSERT_EQ(r.error, 0);
    EXPECT_FALSE(r.meta->has_data);
    EXPECT_TRUE(r.fd);
    EXPECT_EQ(r.meta->size, 2000u);
    EXPECT_EQ(r.meta->content_type, "application/octet-stream");
    auto again = cache.get(f.root, 0, "big.bin", true);  // a hit still opens the file
    EXPECT_TRUE(again.fd);
    EXPECT_FALSE(cache.get(f.root, 0, "big.bin", false).fd);
    // The file-size threshold, both sides.
    f.dir.write("www/at.bin", std::string(1024, 'y'));
    f.dir.write("www/over.bin", std::string(1025, 'y'));
    EXPECT_TRUE(cache.get(f.root, 0, "at.bin", true).meta->has_data);
    EXPECT_FALSE(cache.get(f.root, 0, "over.bin", true).meta->has_data);
}

TEST(Files, DirectoriesAndBounds) {
    Fixture f;
    FileCache cache(2, 1024, f.mime, "d");
    auto r = cache.get(f.root, 0, "sub/", true);
    ASSERT_EQ(r.error, 0);
    EXPECT_TRUE(r.meta->directory);
    EXPECT_FALSE(r.fd);
    (void)cache.get(f.root, 0, "a.txt", true);
    (void)cache.get(f.root, 0, "sub/b.html", true);
    EXPECT_LE(cache.size(), 2u);
    // Roots are told apart by id.
    (void)cache.get(f.root, 1, "a.txt", true);
    EXPECT_LE(cache.size(), 2u);
}

TEST(Files, ByteBudget) {
    Fixture f;
    f.dir.write("www/k1", std::string(1000, 'x'));
    f.dir.write("www/k2", std::string(1000, 'y'));
    f.dir.write("www/k3", std::string(1000, 'z'));
    FileCache cache(16, 1024, f.mime, "d", 0, 2048);
    for (const char* name : {"k1", "k2", "k3", "k1"}) {
        auto r = cache.get(f.root, 0, name, true);
        ASSERT_EQ(r.error, 0);
        EXPECT_TRUE(r.meta->has_data);
        EXPECT_EQ(r.meta->data.size(), 1000u);
        EXPECT_LE(cache.bytes(), 2048u);
    }
    // A file larger than the whole budget is served from disk, not held.
    FileCache tiny(16, 1024, f.mime, "d", 0, 500);
    auto big = tiny.get(f.root, 0, "k1", true);
    ASSERT_EQ(big.error, 0);
    EXPECT_FALSE(big.meta->has_data);
    EXPECT_TRUE(big.fd);
    EXPECT_EQ(tiny.bytes(), 0u);
}

TEST(Files, TrustWindowAndNoteChange) {
    Fixture f;
    // A window long enough that the test cannot outrun it.
    FileCache cache(16, 1024, f.mime, "application/octet-stream", 60'000);
    auto r1 = cache.get(f.root, 0, "a.txt", true);
    ASSERT_EQ(r1.error, 0);
    EXPECT_NE(r1.meta->validator_fields.find("ETag: " + r1.meta->etag + "\r\n"), std::string::npos);
    EXPECT_EQ(r1.meta->entity_fields, "Content-Type: text/plain\r\nAccept-Ranges: bytes\r\n");
    // Changed behind the cache's back: inside the window the cached bytes are still served.
    f.dir.write("www/a.txt", "world");
    f.dir.touch("www/a.txt", 1000000);
    EXPECT_EQ(cache.get(f.root, 0, "a.txt", true).meta.get(), r1.meta.get());
    // A change through the server (PUT, DELETE) makes every cache look again at once.
    FileCache::note_change();
    auto r2 = cache.get(f.root, 0, "a.txt", true);
    ASSERT_EQ(r2.error, 0);
    EXPECT_EQ(r2.meta->data, "world");
    ::unlink(f.dir.path("www/a.txt").c_str());
    FileCache::note_change();
    EXPECT_EQ(cache.get(f.root, 0, "a.txt", true).error, ENOENT);
    // Files on disk (not held in memory) are checked on every hit, whatever the window.
    FileCache small(16, 2, f.mime, "application/octet-stream", 60'000);
    auto big = small.get(f.root, 0, "sub/b.html", true);
    ASSERT_EQ(big.error, 0);
    EXPECT_FALSE(big.meta->has_data);
    ::unlink(f.dir.path("www/sub/b.html").c_str());
    EXPECT_EQ(small.get(f.root, 0, "sub/b.html", true).error, ENOENT);
}
