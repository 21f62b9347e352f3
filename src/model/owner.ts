// The topology the controller acts for: its identity is the ownership marker written into Azure.

/** Who the controller is acting for: written into association descriptions as the ownership marker. */
export interface Owner {
  namespace: string;
  name: string;
  uid: string;
}
