#!/usr/bin/env bash
out=/work/runs16/lt; mkdir -p $out
for r in 1 2; do
(cd /work/w16 && DL4J_SSL_MAVEN_ARGS=-Dmaven.repo.local=/work/m2/w16 ./dl4j-ssl bench --methods simclr-ema-projector,mocov3 --data fixed --ceiling-size 0 --layer-times > $out/old-$r.txt 2>&1)
(cd /work/main && ./dl4j-ssl bench --methods simclr-ema-projector,mocov3 --data fixed --ceiling-size 0 --layer-times > $out/new-$r.txt 2>&1)
done
echo done > $out/DONE
