#!/usr/bin/env bash
# Copies the official division code lists from ../shared/data/divisions into the building blocks,
# where they are embedded as resources. Run it when shared/ publishes a new edition; never edit the copies.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
src="${1:-$here/../shared/data/divisions}"
dst="$here/services/BuildingBlocks/JinDu.BuildingBlocks/Divisions/data"
mkdir -p "$dst"
cp "$src"/provinces.csv "$src"/cities.csv "$src"/areas.csv "$dst"/
echo "copied $(wc -l < "$dst/areas.csv") area rows from $src"
