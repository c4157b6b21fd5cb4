#!/usr/bin/env bash
cd /work/w16
export DL4J_SSL_MAVEN_ARGS=-Dmaven.repo.local=/work/m2/w16
( while true; do ps -C java -o rss=,args= | awk '/Dl4jSsl/{print strftime("%H:%M:%S"), $1}' >> /work/runs16/mocov3-rss.txt; sleep 30; done ) &
mon=$!
/usr/bin/time -v ./dl4j-ssl train --method mocov3 --dataset fashion-mnist --train-subset 0 --eval-train-subset 0 --epochs 20 --batch-size 256 --labels-per-class 10,100 --checkpoint-every 234 --keep-checkpoints 20 --out /work/runs16/mocov3-60min-s16 > /work/runs16/mocov3.log 2> /work/runs16/mocov3.err
echo "exit $?" >> /work/runs16/mocov3.log
kill $mon
