/**
 * What one user may do across all their connections: how many they hold
 * open at once, and one refusal budget they all spend from. Per connection,
 * a user with ten sockets would have ten budgets; per user, opening more
 * sockets buys nothing.
 *
 * A relay without a user store admits everyone as the same anonymous
 * principal (`open`), so there the connection limit does not apply and
 * each connection keeps a budget of its own.
 */
import type { Principal } from './Principal';
import { RefusalBudget } from './RefusalBudget';

/** Options of PerUserLimits. */
export interface PerUserLimitsOptions {
  /** Connections one user may hold open at once. */
  maxConnections: number;
  /** Refused writes one user may make per minute. */
  maxRefusalsPerMinute: number;
  /** The clock of the budgets (ms); injected by tests. */
  now?: () => number;
}

export class PerUserLimits {
  private readonly open = new Map<string, number>();
  /** One per user that ever connected: bounded by the site's users, and a reconnect must not reset it. */
  private readonly budgets = new Map<string, RefusalBudget>();

  constructor(private readonly options: PerUserLimitsOptions) {}

  /** Takes a connection slot for `principal`; false when the user already holds the most allowed. */
  admit(principal: Principal): boolean {
    if (principal.open) return true;
    const held = this.open.get(principal.user) ?? 0;
    if (held >= this.options.maxConnections) return false;
    this.open.set(principal.user, held + 1);
    return true;
  }

  /** Gives back the slot `admit` took, when that connection closes. */
  leave(principal: Principal): void {
    if (principal.open) return;
    const held = (this.open.get(principal.user) ?? 0) - 1;
    if (held > 0) this.open.set(principal.user, held);
    else this.open.delete(principal.user);
  }

  /** Connections `user` holds open now. */
  connectionsOf(user: string): number {
    return this.open.get(user) ?? 0;
  }

  /** The refusal budget a connection of `principal` spends from. */
  refusalsOf(principal: Principal): RefusalBudget {
    if (principal.open) return new RefusalBudget(this.options.maxRefusalsPerMinute, this.options.now);
    let budget = this.budgets.get(principal.user);
    if (!budget) {
      budget = new RefusalBudget(this.options.maxRefusalsPerMinute, this.options.now);
      this.budgets.set(principal.user, budget);
    }
    return budget;
  }
}
