/**
 * Delivers webhooks as GitHub does: `POST` to the App's webhook URL with the JSON payload,
 * `X-GitHub-Event`, `X-GitHub-Delivery` (a GUID, the same on a redelivery) and
 * `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body with the webhook secret>`. Deliveries go out
 * concurrently, as on GitHub; every one is recorded with the App's answer, and {@link WebhookSender.settle}
 * resolves once every delivery sent so far (including ones sent while waiting) has been answered.
 */
import { createHmac, randomUUID } from 'node:crypto'
import type { Payload } from './webhook-payloads.ts'

/** One delivery and the App's answer. */
export interface Delivery {
  id: string
  event: string
  action: string | undefined
  payload: Payload
  /** HTTP status of the App's answer (null until answered; 0 when the request failed). */
  status: number | null
  /** True for a redelivery of an earlier delivery. */
  redelivery: boolean
  /** The URL it was sent to (null when no target was set). */
  target: string | null
}

/** Sends and records webhook deliveries. */
export class WebhookSender {
  readonly deliveries: Delivery[] = []
  private readonly secret: string
  private readonly pending = new Set<Promise<void>>()
  private targets: string[] = []
  private sent = 0

  constructor(secret: string) {
    this.secret = secret
  }

  /**
   * Where deliveries go: the App's webhook URL, or several replicas' URLs behind one address, taken in
   * turn (a round-robin load balancer). Events before this is set are recorded, not sent.
   */
  setTargets(...urls: string[]): void {
    this.targets = urls
  }

  /** Sends `event` with `payload`; resolves with its record (not waiting for the answer). */
  send(
    event: string,
    payload: Payload,
    options: { id?: string; redelivery?: boolean; avoid?: string | null } = {},
  ): Delivery {
    let target: string | null = null
    for (let i = 0; i < this.targets.length && (target === null || target === options.avoid); i++)
      target = this.targets[this.sent++ % this.targets.length]!
    const delivery: Delivery = {
      id: options.id ?? randomUUID(),
      event,
      action: typeof payload.action === 'string' ? payload.action : undefined,
      payload,
      status: null,
      redelivery: options.redelivery ?? false,
      target,
    }
    this.deliveries.push(delivery)
    if (target === null) return delivery
    const body = JSON.stringify(payload)
    const signature = `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`
    const sent = fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/loopback',
        'x-github-event': event,
        'x-github-delivery': delivery.id,
        'x-hub-signature-256': signature,
        'x-github-hook-installation-target-type': 'integration',
      },
      body,
    }).then(
      async (res) => {
        await res.arrayBuffer()
        delivery.status = res.status
      },
      () => {
        delivery.status = 0
      },
    )
    const tracked = sent.finally(() => this.pending.delete(tracked))
    this.pending.add(tracked)
    return delivery
  }

  /**
   * Sends `delivery` again with the same id and payload (GitHub's "Redeliver"), to another replica
   * than the first time when there are several.
   */
  redeliver(delivery: Delivery): Delivery {
    return this.send(delivery.event, delivery.payload, {
      id: delivery.id,
      redelivery: true,
      avoid: delivery.target,
    })
  }

  /** Resolves once every delivery sent so far, and every one sent meanwhile, has been answered. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }
}
