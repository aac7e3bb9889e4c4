import "graphile-worker"; import "./src/worker/index.ts";
