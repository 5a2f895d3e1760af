#!/usr/bin/env bash
# Placeholder until the control-plane issue lands: nothing to build yet.
exit 0
