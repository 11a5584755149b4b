// gossipsub's fast message id. gossipsub checks a message's signature before it computes the message id and
// looks it up in its seen cache, so without a fast id every copy of a message (one from each peer that
// forwards it: up to n - 1 copies in a full mesh) is signature-checked before it is dropped as a duplicate.
// The fast id is taken from the raw RPC message, before any check, and only copies of a message that already
// passed validation are found in its cache (gossipsub adds an id there only after the signature check).
//
// Under StrictSign the message id is (author key, seqno), and `from` is the author's peer id, which for an
// Ed25519 key embeds the key itself: the fast id (from, seqno) names exactly one message id, so it drops
// exactly the copies the seen cache would have dropped after paying for the signature check.
import { bytesToHex } from '../../client/wire.ts'

/** Messages without `from` or `seqno` get no fast id (undefined), so the full validation rejects them. */
export function gossipFastMessageId(message: { from?: Uint8Array; seqno?: Uint8Array }): string | undefined {
  if (message.from === undefined || message.seqno === undefined) return undefined
  return `${bytesToHex(message.from)}/${bytesToHex(message.seqno)}`
}
