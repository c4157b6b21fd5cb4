#!/bin/bash
# rss.sh OUT: samples the RSS (GB) of the java process of dl4j-ssl every 5 s
out=$1
while true; do
  pid=$(pgrep -f "io.github.dl4jssl.samples.Dl4jSsl" | head -1)
  if [ -n "$pid" ]; then
    echo "$(date +%H:%M:%S) $(ps -o rss= -p $pid | awk '{printf "%.2f", $1/1048576}')" >> $out
  fi
  sleep 5
done
