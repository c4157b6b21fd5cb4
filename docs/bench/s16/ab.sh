#!/usr/bin/env bash
# A/B: old = /work/w16 (main 4697ddd), new = /work/main (branch s16-speed); alternated A,B,A,B
set -u
out=/work/runs16/ab4; mkdir -p $out
m=simclr,simclr-ema-projector,mocov2,mocov3,byol,simsiam
for r in 1 2; do
  (cd /work/w16 && DL4J_SSL_MAVEN_ARGS=-Dmaven.repo.local=/work/m2/w16 ./dl4j-ssl bench --methods $m --data fixed --ceiling-size 0 --out $out/old-$r.json > $out/old-$r.txt 2>&1)
  (cd /work/main && ./dl4j-ssl bench --methods $m --data fixed --ceiling-size 0 --out $out/new-$r.json > $out/new-$r.txt 2>&1)
done
echo done > $out/DONE
