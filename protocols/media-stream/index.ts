export { StreamMessages, parseAppMessage } from './messages.js';
export type { AppMessage, AppMessageResult, StreamStart } from './messages.js';
export { StreamSocket, StreamCode, checkStreamUrl } from './socket.js';
export type { OpenOptions, OpenResult } from './socket.js';
