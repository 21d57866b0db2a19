#!/usr/bin/env bash
# GitHub Enterprise Server pre-receive hook script.
# 1. Build a pre-receive hook environment that contains the keyhook binary
#    (e.g. a Docker image with /usr/local/bin/keyhook, uploaded as a tarball in
#    Site admin → Hooks → Environments).
# 2. Commit this script to a hook repository and add it in Site admin → Hooks.
# GHES runs the script with the pushed refs on stdin, the pushed objects in
# quarantine (GIT_QUARANTINE_PATH), GITHUB_USER_LOGIN set to the pusher, and a 5 s
# time limit: keyhook's default budget is 4 s and it fails closed (on_error).
set -u
exec /usr/local/bin/keyhook pre-receive --config /usr/local/etc/keyhook/server.toml
