/**
 * File output shared by every layer: atomic writes (temporary file in the target's folder, fsync, move), so a
 * failure never leaves a half-written model, report, adapter or checkpoint behind.
 */
package ai.loradrop.io;
