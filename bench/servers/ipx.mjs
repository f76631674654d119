// Baseline server: ipx 3 over plain node:http on $PORT, originals from $MEDIA_ROOT.
// Same options as rendition: auto-orient and progressive JPEG. Plain JS so that, like
// rendition's dist/, it runs without a TypeScript loader (RSS is compared in B8).
import { createServer } from 'node:http';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';

const port = Number(process.env.PORT);
const ipx = createIPX({
  storage: ipxFSStorage({ dir: process.env.MEDIA_ROOT ?? '.' }),
  sharpOptions: { jpegProgressive: true, autoOrient: true },
});
createServer(createIPXNodeServer(ipx)).listen(port, '127.0.0.1');
