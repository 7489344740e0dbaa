/** The support agent's whole-customer query, used by the e2e tests, the README and the benchmark. */
export const CUSTOMER_360 = /* GraphQL */ `
  query Customer360($id: ID!, $orders: Int = 50, $invoices: Int = 50, $cases: Int = 20) {
    customer(id: $id) {
      id
      name
      accountNumber
      type
      industry
      website
      phone
      billingAddress { street city zip country }
      annualRevenue { amount currency }
      owner { id name email }
      partner { id name }
      contacts { id name email phone title }
      billing {
        vatNumber
        paymentTerms
        creditLimit { amount currency }
        onHold
        holdReason
        outstanding { amount currency }
        overdue { amount currency }
      }
      orders(first: $orders) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            id
            number
            status
            placedAt
            clientReference
            amountUntaxed { amount currency }
            amountTotal { amount currency }
            deliveryStatus
            lines {
              id
              description
              quantity
              quantityDelivered
              quantityInvoiced
              unitPrice { amount currency }
              subtotal { amount currency }
              product {
                id
                sku
                name
                listPrice { amount currency }
                availability { onHand free reserved forecast byWarehouse { warehouse { code } onHand free reserved } }
              }
            }
            shipments { id number status scheduledAt shippedAt carrier trackingReference }
            invoices { id number kind status paymentStatus amountTotal { amount currency } amountDue { amount currency } }
          }
        }
      }
      invoices(first: $invoices) {
        totalCount
        edges { node { id number kind status paymentStatus issuedOn dueOn amountTotal { amount currency } amountDue { amount currency } } }
      }
      openCaseCount
      cases(first: $cases) {
        totalCount
        edges {
          node {
            id
            subject
            status
            priority
            createdAt
            updatedAt
            comments { id body public createdAt }
            order { id number }
          }
        }
      }
    }
  }
`;

/** What a CRM component embedded in Salesforce reads: order status, credit hold, open cases. */
export const CRM_COMPONENT = /* GraphQL */ `
  query CrmComponent($id: ID!) {
    customer(id: $id) {
      id
      name
      billing { onHold holdReason }
      openCaseCount
      orders(first: 5) { edges { node { id number status deliveryStatus } } }
    }
  }
`;

/** A reseller polling its customers' orders. */
export const PARTNER_ORDERS = /* GraphQL */ `
  query PartnerOrders($id: ID!) {
    customer(id: $id) {
      id
      name
      orders(first: 10) { totalCount edges { node { id number status deliveryStatus amountTotal { amount currency } } } }
    }
  }
`;
