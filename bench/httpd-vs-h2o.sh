#!/bin/bash
# httpd vs h2o (Debian): bench/httpd-vs-nginx.sh with h2o as the peer (2 threads on 2 cores,
# no access log, keep-alive); the same loads, A B A B, and the ratios httpd/h2o.
#
#   bench/httpd-vs-h2o.sh                   # uses build/bin/httpd
#   HTTPD=build-rel/bin/httpd DURATION=5s ROUNDS=2 bench/httpd-vs-h2o.sh
PEER=h2o exec "$(dirname "$0")/httpd-vs-nginx.sh" "$@"
